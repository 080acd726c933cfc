//! A user's contact methods and notification rules (§5.2, §5.3 of
//! `../shared/reference/PAGERDUTY_API.md`).
//!
//! Shapes follow PagerDuty's OpenAPI document: `ContactMethod` and its variants
//! `EmailContactMethod`, `PhoneContactMethod` (phone and SMS), `PushContactMethod`,
//! `WhatsAppContactMethod`; `ContactMethodReference`; `NotificationRule`;
//! `NotificationRuleReference`; and the bodies of `getUserContactMethods`,
//! `createUserContactMethod`, `getUserNotificationRules` and `createUserNotificationRule`.

use super::User;
use super::incidents::Urgency;
use crate::email::Email;
use crate::ids::{ContactMethodId, NotificationRuleId};
use crate::vocab::roles::string_enum;
use serde::{Deserialize, Serialize};
use std::fmt;

/// The kind of a contact method (`ContactMethod.type`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(from = "String", into = "String")]
pub enum ContactMethodType {
    /// `email_contact_method`.
    Email,
    /// `phone_contact_method` (voice calls).
    Phone,
    /// `sms_contact_method`.
    Sms,
    /// `push_notification_contact_method` (made by the mobile app).
    Push,
    /// `whatsapp_contact_method` (since 2026-02, S3).
    WhatsApp,
    /// A value outside the documented enum, kept verbatim.
    Other(String),
}

impl ContactMethodType {
    /// Every documented type, in the OpenAPI enum's order.
    pub const ALL: [ContactMethodType; 5] = [
        ContactMethodType::Email,
        ContactMethodType::Phone,
        ContactMethodType::Push,
        ContactMethodType::Sms,
        ContactMethodType::WhatsApp,
    ];

    /// The API spelling, e.g. `sms_contact_method`.
    pub fn as_str(&self) -> &str {
        match self {
            ContactMethodType::Email => "email_contact_method",
            ContactMethodType::Phone => "phone_contact_method",
            ContactMethodType::Sms => "sms_contact_method",
            ContactMethodType::Push => "push_notification_contact_method",
            ContactMethodType::WhatsApp => "whatsapp_contact_method",
            ContactMethodType::Other(s) => s,
        }
    }

    /// True for the kinds whose `address` is a phone number that needs a `country_code`
    /// (phone, SMS, WhatsApp).
    pub fn is_phone_number(&self) -> bool {
        matches!(
            self,
            ContactMethodType::Phone | ContactMethodType::Sms | ContactMethodType::WhatsApp
        )
    }

    /// The type of a reference to a contact method of this kind, e.g.
    /// `email_contact_method_reference` (`ContactMethodReference.type`).
    pub fn reference_type(&self) -> String {
        format!("{}_reference", self.as_str())
    }
}

string_enum!(ContactMethodType);

/// A contact method in full (one of the OpenAPI variants, flattened: the fields a variant
/// does not have are absent).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactMethod {
    /// Contact method ID.
    pub id: ContactMethodId,
    /// The kind.
    #[serde(rename = "type")]
    pub kind: ContactMethodType,
    /// Short human label (the label).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// API URL.
    #[serde(rename = "self", default, skip_serializing_if = "Option::is_none")]
    pub self_url: Option<String>,
    /// Web URL (null in PagerDuty's examples).
    #[serde(default)]
    pub html_url: Option<String>,
    /// The user's label for it, e.g. `Work` or `Mobile`.
    pub label: String,
    /// The email address, or the phone number without its country code.
    pub address: String,
    /// Country calling code, 1–1999 (phone, SMS and WhatsApp only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country_code: Option<u16>,
    /// Send an abbreviated email (email only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub send_short_email: Option<bool>,
    /// Whether PagerDuty may use it (read-only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// Whether the number is blocked (phone, SMS, push and WhatsApp; read-only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blacklisted: Option<bool>,
    /// `android` or `ios` (push only; read-only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_type: Option<String>,
}

/// A reference to a contact method (`ContactMethodReference`), as embedded in a user or a
/// notification rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactMethodReference {
    /// Contact method ID.
    pub id: ContactMethodId,
    /// E.g. `email_contact_method_reference`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Short human label.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// API URL.
    #[serde(rename = "self", default, skip_serializing_if = "Option::is_none")]
    pub self_url: Option<String>,
    /// Web URL.
    #[serde(default)]
    pub html_url: Option<String>,
}

/// A notification rule: notify through `contact_method` `start_delay_in_minutes` after an
/// incident of `urgency` is assigned (OpenAPI `NotificationRule`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotificationRule {
    /// Rule ID.
    pub id: NotificationRuleId,
    /// Always `assignment_notification_rule`.
    #[serde(rename = "type", default = "notification_rule_type")]
    pub kind: String,
    /// Short human label.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// API URL.
    #[serde(rename = "self", default, skip_serializing_if = "Option::is_none")]
    pub self_url: Option<String>,
    /// Web URL.
    #[serde(default)]
    pub html_url: Option<String>,
    /// Minutes after assignment, at least 0.
    pub start_delay_in_minutes: u32,
    /// The contact method to use.
    pub contact_method: ContactMethodReference,
    /// `high` or `low` (low needs the `urgencies` ability).
    pub urgency: Urgency,
}

fn notification_rule_type() -> String {
    "assignment_notification_rule".to_string()
}

/// A reference to a notification rule (`NotificationRuleReference`), as embedded in a user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotificationRuleReference {
    /// Rule ID.
    pub id: NotificationRuleId,
    /// `assignment_notification_rule_reference`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Short human label.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// API URL.
    #[serde(rename = "self", default, skip_serializing_if = "Option::is_none")]
    pub self_url: Option<String>,
    /// Web URL.
    #[serde(default)]
    pub html_url: Option<String>,
}

/// `GET /users/{id}/contact_methods` response (not paginated).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactMethodsList {
    /// Every contact method of the user.
    pub contact_methods: Vec<ContactMethod>,
}

/// A wrapped contact method: the 201 of `POST /users/{id}/contact_methods` and the body of
/// `GET /users/{id}/contact_methods/{contact_method_id}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactMethodEnvelope {
    /// The contact method.
    pub contact_method: ContactMethod,
}

/// `GET /users/{id}/notification_rules` response (not paginated).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotificationRulesList {
    /// The user's rules of the requested urgency.
    pub notification_rules: Vec<NotificationRule>,
}

/// A wrapped notification rule: the 201 of `POST /users/{id}/notification_rules`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotificationRuleEnvelope {
    /// The rule.
    pub notification_rule: NotificationRule,
}

/// The contact method sent to `POST /users/{id}/contact_methods` (wrapped as
/// `{"contact_method": {...}}`). `type`, `label` and `address` are required; `country_code`
/// (1–1999) is required for phone, SMS and WhatsApp (§5.2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewContactMethod {
    /// The kind.
    #[serde(rename = "type")]
    pub kind: ContactMethodType,
    /// The user's label for it.
    pub label: String,
    /// The email address, or the phone number without its country code.
    pub address: String,
    /// Country calling code (phone, SMS, WhatsApp).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country_code: Option<u16>,
    /// Send an abbreviated email (email only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub send_short_email: Option<bool>,
}

/// The rule sent to `POST /users/{id}/notification_rules` (wrapped as
/// `{"notification_rule": {...}}`); all four fields are required (§5.3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewNotificationRule {
    /// Always `assignment_notification_rule`.
    #[serde(rename = "type", default = "notification_rule_type")]
    pub kind: String,
    /// Minutes after assignment, at least 0.
    pub start_delay_in_minutes: u32,
    /// The contact method, by reference (`{"id", "type"}`).
    pub contact_method: ContactMethodReference,
    /// `high` or `low`.
    pub urgency: Urgency,
}

/// Body of `POST /users/{id}/contact_methods`: `{"contact_method": {...}}` (§5.2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateContactMethodRequest {
    /// The contact method to add.
    pub contact_method: NewContactMethod,
}

/// Body of `POST /users/{id}/notification_rules`: `{"notification_rule": {...}}` (§5.3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateNotificationRuleRequest {
    /// The rule to add.
    pub notification_rule: NewNotificationRule,
}

/// A user with every contact method and notification rule in full, as
/// `GET /users/{id}?include[]=contact_methods&include[]=notification_rules` returns it
/// (OpenAPI `getUser`, `include[]` enum `contact_methods`, `notification_rules`): what
/// hr2pagerduty archives before deleting a user.
#[derive(Debug, Clone, PartialEq)]
pub struct UserRecord {
    /// The user (its `contact_methods` and `notification_rules` emptied: they are below).
    pub user: User,
    /// Every contact method, in PagerDuty's order.
    pub contact_methods: Vec<ContactMethod>,
    /// Every notification rule, high and low urgency, in PagerDuty's order.
    pub notification_rules: Vec<NotificationRule>,
}

impl ContactMethod {
    /// True when this is the email method of the login address `login` (compared through
    /// [`Email::normalise`]): the one PagerDuty creates itself with every user, so a
    /// restore maps it to the new user's instead of sending it.
    pub fn is_login_email(&self, login: &str) -> bool {
        self.kind == ContactMethodType::Email
            && Email::normalise(&self.address) == Email::normalise(login)
    }

    /// True when `other` is the same contact method in PagerDuty's sense: the same type and
    /// address (emails compared through the one normaliser, [`Email::normalise`], since
    /// PagerDuty compares them case-insensitively; phone numbers with their country code),
    /// which PagerDuty refuses twice on one user ("User Contact method must be unique", S23).
    pub fn same_as(&self, other: &NewContactMethod) -> bool {
        self.kind == other.kind
            && if self.kind == ContactMethodType::Email {
                Email::normalise(&self.address) == Email::normalise(&other.address)
            } else {
                self.address == other.address && self.country_code == other.country_code
            }
    }

    /// The body that creates this contact method again on another user: type, label,
    /// address, and `country_code` or `send_short_email` where the type has them.
    pub fn to_new(&self) -> NewContactMethod {
        NewContactMethod {
            kind: self.kind.clone(),
            label: self.label.clone(),
            address: self.address.clone(),
            country_code: if self.kind.is_phone_number() {
                self.country_code
            } else {
                None
            },
            send_short_email: if self.kind == ContactMethodType::Email {
                self.send_short_email
            } else {
                None
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_the_default_contact_method_and_rule() {
        let cm: ContactMethod = serde_json::from_str(
            r#"{"id": "PTDVERC", "type": "email_contact_method", "summary": "Default",
                "self": "https://api.pagerduty.com/users/PXPGF42/contact_methods/PTDVERC",
                "html_url": null, "label": "Default", "address": "earline@example.com",
                "send_short_email": false}"#,
        )
        .unwrap();
        assert_eq!(cm.kind, ContactMethodType::Email);
        assert_eq!(cm.kind.reference_type(), "email_contact_method_reference");
        assert!(!cm.kind.is_phone_number());
        let rule: NotificationRule = serde_json::from_str(
            r#"{"id": "P8GRWKK", "type": "assignment_notification_rule", "start_delay_in_minutes": 0,
                "contact_method": {"id": "PTDVERC", "type": "email_contact_method_reference"},
                "urgency": "high"}"#,
        )
        .unwrap();
        assert_eq!(rule.contact_method.id, cm.id);
        assert_eq!(rule.urgency, Urgency::High);
        let sms: ContactMethodType = serde_json::from_str("\"sms_contact_method\"").unwrap();
        assert!(sms.is_phone_number());
    }
    #[test]
    fn the_same_email_contact_method_ignores_case_as_pagerduty_does() {
        let cm: ContactMethod = serde_json::from_str(
            r#"{"id": "PTDVERC", "type": "email_contact_method", "label": "Work",
                "address": "Earline@Example.com"}"#,
        )
        .unwrap();
        let mut other = cm.to_new();
        other.address = "earline@EXAMPLE.COM".into();
        assert!(cm.same_as(&other));
        other.address = "earline2@example.com".into();
        assert!(!cm.same_as(&other));
    }
}
