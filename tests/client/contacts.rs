//! The client's contact-method and notification-rule calls, and the full user record read
//! before a deletion, against the simulator (in-process, 127.0.0.1).

use crate::support::client::config;
use hr2pagerduty::pagerduty::Client;
use hr2pagerduty::pagerduty::models::contact::{
    ContactMethodReference, ContactMethodType, NewContactMethod, NewNotificationRule,
};
use hr2pagerduty::pagerduty::models::incidents::Urgency;
use hr2pagerduty::sim::{self, Fault, FaultKind, Seed};

const SEED: &str = r#"{
  "abilities": ["teams", "urgencies"],
  "teams": [{"id": "PTEAM01", "name": "Ops"}],
  "users": [
    {"id": "PBOT001", "name": "Bot", "email": "bot@example.com", "role": "admin"},
    {"id": "PRITA01", "name": "Rita", "email": "rita@example.com", "role": "user",
     "teams": [{"team": "Ops", "role": "manager"}],
     "contact_methods": [
       {"id": "PCMMAIL", "type": "email_contact_method", "label": "Default", "address": "rita@example.com"},
       {"id": "PCMSMS1", "type": "sms_contact_method", "label": "Mobile", "address": "5555550100", "country_code": 44}],
     "notification_rules": [
       {"id": "PNRHI01", "start_delay_in_minutes": 0, "urgency": "high",
        "contact_method": {"id": "PCMSMS1", "type": "sms_contact_method_reference"}},
       {"id": "PNRLO01", "start_delay_in_minutes": 5, "urgency": "low",
        "contact_method": {"id": "PCMMAIL", "type": "email_contact_method_reference"}}]}
  ]
}"#;

async fn start() -> (sim::SimHandle, Client) {
    let sim = sim::start(Seed::from_json(SEED).unwrap(), 0).await.unwrap();
    let client = Client::new(config(&sim.url())).unwrap();
    (sim, client)
}

fn phone(address: &str) -> NewContactMethod {
    NewContactMethod {
        kind: ContactMethodType::Phone,
        label: "Desk".into(),
        address: address.into(),
        country_code: Some(1),
        send_short_email: None,
    }
}

#[tokio::test]
async fn the_full_record_is_one_read_with_every_method_rule_and_team() {
    let (sim, client) = start().await;
    let before = client.stats().requests_sent;
    let r = client
        .get_user_record(&"PRITA01".into())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(client.stats().requests_sent - before, 1);
    let last = sim.requests().pop().unwrap();
    assert_eq!(
        (last.path.as_str(), last.query.as_str()),
        (
            "/users/PRITA01",
            "include%5B%5D=contact_methods&include%5B%5D=notification_rules"
        )
    );
    assert_eq!(r.user.email, "rita@example.com");
    assert_eq!(r.user.teams[0].id.as_str(), "PTEAM01");
    assert!(r.user.contact_methods.is_empty() && r.user.notification_rules.is_empty());
    let methods: Vec<(&str, &str, Option<u16>)> = r
        .contact_methods
        .iter()
        .map(|m| (m.id.as_str(), m.address.as_str(), m.country_code))
        .collect();
    assert_eq!(
        methods,
        [
            ("PCMMAIL", "rita@example.com", None),
            ("PCMSMS1", "5555550100", Some(44))
        ]
    );
    // Both urgencies: the low-urgency rule is part of the record.
    let rules: Vec<(&str, &str, u32)> = r
        .notification_rules
        .iter()
        .map(|n| {
            (
                n.contact_method.id.as_str(),
                n.urgency.as_str(),
                n.start_delay_in_minutes,
            )
        })
        .collect();
    assert_eq!(rules, [("PCMSMS1", "high", 0), ("PCMMAIL", "low", 5)]);
    assert_eq!(
        client.get_user_record(&"PGONE01".into()).await.unwrap(),
        None
    );
}

#[tokio::test]
async fn lists_and_creates_contact_methods_and_rules() {
    let (sim, client) = start().await;
    let rita = "PRITA01".into();
    assert_eq!(client.list_contact_methods(&rita).await.unwrap().len(), 2);
    let rules = client.list_notification_rules(&rita).await.unwrap();
    assert_eq!(rules.len(), 2, "urgency=all lists the low-urgency rule too");
    assert!(sim.requests().last().unwrap().query.contains("urgency=all"));

    let made = client
        .create_contact_method(&rita, &phone("5555550199"))
        .await
        .unwrap();
    assert!(!made.recovered);
    assert_eq!(made.value.country_code, Some(1));
    let rule = NewNotificationRule {
        kind: "assignment_notification_rule".into(),
        start_delay_in_minutes: 10,
        contact_method: ContactMethodReference {
            id: made.value.id.clone(),
            kind: made.value.kind.reference_type(),
            summary: None,
            self_url: None,
            html_url: None,
        },
        urgency: Urgency::High,
    };
    let r = client.create_notification_rule(&rita, &rule).await.unwrap();
    assert_eq!(r.value.contact_method.id, made.value.id);
    assert_eq!(client.list_contact_methods(&rita).await.unwrap().len(), 3);
    assert_eq!(
        client.list_notification_rules(&rita).await.unwrap().len(),
        3
    );

    // The same method twice is refused with PagerDuty's reason (S23), not retried.
    let e = client
        .create_contact_method(&rita, &phone("5555550199"))
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(400));
    assert_eq!(e.attempts(), 1);
    assert!(
        e.to_string().contains("User Contact method must be unique"),
        "{e}"
    );
}

#[tokio::test]
async fn a_create_whose_answer_was_lost_is_found_by_listing_not_sent_twice() {
    let (sim, client) = start().await;
    let rita = "PRITA01".into();
    sim.inject(Fault::new(
        "POST",
        "/users/*/contact_methods",
        FaultKind::ApplyThenFail { status: 502 },
    ));
    let made = client
        .create_contact_method(&rita, &phone("5555550123"))
        .await
        .unwrap();
    assert!(made.recovered);
    assert_eq!(made.value.address, "5555550123");
    let methods = client.list_contact_methods(&rita).await.unwrap();
    assert_eq!(
        methods.iter().filter(|m| m.address == "5555550123").count(),
        1
    );

    sim.inject(Fault::new(
        "POST",
        "/users/*/notification_rules",
        FaultKind::ApplyThenDrop,
    ));
    let rule = NewNotificationRule {
        kind: "assignment_notification_rule".into(),
        start_delay_in_minutes: 3,
        contact_method: ContactMethodReference {
            id: made.value.id.clone(),
            kind: "phone_contact_method_reference".into(),
            summary: None,
            self_url: None,
            html_url: None,
        },
        urgency: Urgency::Low,
    };
    let r = client.create_notification_rule(&rita, &rule).await.unwrap();
    assert!(r.recovered);
    let rules = client.list_notification_rules(&rita).await.unwrap();
    assert_eq!(
        rules
            .iter()
            .filter(|x| x.contact_method.id == made.value.id && x.start_delay_in_minutes == 3)
            .count(),
        1
    );
}

#[tokio::test]
async fn a_rule_delete_is_one_request_and_a_lost_answer_counts_as_done() {
    let (sim, client) = start().await;
    let rita = "PRITA01".into();
    let sent = client
        .delete_notification_rule(&rita, &"PNRHI01".into())
        .await
        .unwrap();
    assert_eq!((sent.attempts, sent.recovered), (1, false));
    let last = sim.requests().pop().unwrap();
    assert_eq!(
        (last.method.as_str(), last.path.as_str(), last.status),
        ("DELETE", "/users/PRITA01/notification_rules/PNRHI01", 204)
    );
    // Applied, then the answer lost: the retry's 404 means the rule is gone.
    sim.inject(Fault::new(
        "DELETE",
        "/users/*/notification_rules/*",
        FaultKind::ApplyThenFail { status: 502 },
    ));
    let sent = client
        .delete_notification_rule(&rita, &"PNRLO01".into())
        .await
        .unwrap();
    assert_eq!((sent.attempts, sent.recovered), (2, true));
    assert!(
        client
            .list_notification_rules(&rita)
            .await
            .unwrap()
            .is_empty()
    );
    // A rule that is not there, with no earlier attempt: 404 is an error.
    let e = client
        .delete_notification_rule(&rita, &"PNRHI01".into())
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(404));
}
