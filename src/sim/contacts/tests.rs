//! Unit tests of contact methods and notification rules.

use super::*;
use serde_json::json;

fn errors(e: SimError) -> Vec<String> {
    e.envelope().error.errors
}

#[test]
fn contact_methods_are_checked() {
    let mut b = ContactBook::default();
    let d = b
        .read_method(
            "PU",
            &json!({"contact_method": {"type": "sms_contact_method", "label": "Mobile",
                    "address": "5555555555", "country_code": 1}}),
        )
        .unwrap();
    b.add_method("PU", "PCM0001".into(), d);
    let dup = b
        .read_method(
            "PU",
            &json!({"contact_method": {"type": "sms_contact_method", "label": "Again",
                    "address": "5555555555", "country_code": 1}}),
        )
        .unwrap_err();
    assert_eq!(errors(dup), [CONTACT_METHOD_NOT_UNIQUE]);
    // The same number as a phone (voice) method is another method.
    assert!(
        b.read_method(
            "PU",
            &json!({"contact_method": {"type": "phone_contact_method", "label": "Voice",
                    "address": "5555555555", "country_code": 1}})
        )
        .is_ok()
    );
    for (body, needle) in [
        (
            json!({"contact_method": {"type": "phone_contact_method", "label": "M", "address": "555"}}),
            "Country code can't be blank",
        ),
        (
            json!({"contact_method": {"type": "phone_contact_method", "label": "M", "address": "555", "country_code": 2000}}),
            "between 1 and 1999",
        ),
        (
            json!({"contact_method": {"type": "phone_contact_method", "label": "M", "address": "555", "country_code": 0}}),
            "between 1 and 1999",
        ),
        (
            json!({"contact_method": {"type": "email_contact_method", "label": "W", "address": "nope"}}),
            "not a valid email",
        ),
        (
            json!({"contact_method": {"type": "email_contact_method", "address": "a@b.co"}}),
            "Label can't be blank",
        ),
        (
            json!({"contact_method": {"type": "push_notification_contact_method", "label": "P", "address": "x"}}),
            "mobile app",
        ),
        (
            json!({"contact_method": {"label": "P", "address": "x"}}),
            "Type can't be blank",
        ),
        (json!({"label": "P"}), "like {\"contact_method\""),
    ] {
        let e = errors(b.read_method("PU", &body).unwrap_err());
        assert!(
            e.iter().any(|x| x.contains(needle)),
            "{needle:?} not in {e:?}"
        );
    }
    // A blank field is reported once.
    let e = errors(
        b.read_method(
            "PU",
            &json!({"contact_method": {"type": "email_contact_method", "label": "W"}}),
        )
        .unwrap_err(),
    );
    assert_eq!(e, ["Address can't be blank"]);
}

#[test]
fn notification_rules_are_checked() {
    let mut b = ContactBook::default();
    let mut ids = IdGenerator::for_objects();
    b.add_defaults("PU", "u@example.com", &mut ids);
    let cm = b.methods["PU"][0].id.clone();
    let rule = |delay: i64, urgency: &str, cm: &str| {
        json!({"notification_rule": {"type": "assignment_notification_rule",
               "start_delay_in_minutes": delay, "urgency": urgency,
               "contact_method": {"id": cm, "type": "email_contact_method_reference"}}})
    };
    // The default rule is immediate and high urgency: the same again is a duplicate.
    let e = errors(b.read_rule("PU", &rule(0, "high", &cm)).unwrap_err());
    assert_eq!(e, [START_DELAY_NOT_UNIQUE]);
    let d = b.read_rule("PU", &rule(5, "low", &cm)).unwrap();
    assert_eq!(d.urgency, Urgency::Low);
    for (body, needle) in [
        (rule(-1, "high", &cm), "greater than or equal to 0"),
        (rule(1, "medium", &cm), "Urgency must be high or low"),
        (
            rule(1, "high", "PNOPE00"),
            "not a contact method of this user",
        ),
        (
            json!({"notification_rule": {"start_delay_in_minutes": 1, "urgency": "high",
                "contact_method": {"id": cm}}}),
            "Type can't be blank",
        ),
        (
            json!({"notification_rule": {"type": "assignment_notification_rule",
                "start_delay_in_minutes": 1, "urgency": "high"}}),
            "Contact method can't be blank",
        ),
        (
            json!({"notification_rule": {"type": "assignment_notification_rule",
                "start_delay_in_minutes": 1, "urgency": "high",
                "contact_method": {"id": cm, "type": "sms_contact_method_reference"}}}),
            "not a sms",
        ),
    ] {
        let e = errors(b.read_rule("PU", &body).unwrap_err());
        assert!(
            e.iter().any(|x| x.contains(needle)),
            "{needle:?} not in {e:?}"
        );
    }
    // The spec's request example names the contact method's own type: accepted.
    let spelled = json!({"notification_rule": {"type": "assignment_notification_rule",
        "start_delay_in_minutes": 3, "urgency": "high",
        "contact_method": {"id": cm, "type": "email_contact_method"}}});
    assert!(b.read_rule("PU", &spelled).is_ok());
}
