//! Contact methods and notification rules of users (§5.2, §5.3 of
//! `../shared/reference/PAGERDUTY_API.md`).
//!
//! Rules (400/2001 unless said otherwise; texts from S23 where quoted, else Inf):
//! - contact method: `type`, `label` and `address` required; `type` one of email, phone, SMS,
//!   WhatsApp (push methods are made by the mobile app: refused, Inf); an email address must
//!   look like one; a phone number is digits only, without the country code, and needs
//!   `country_code` 1–1999 (OpenAPI `PhoneContactMethod.country_code`); the same type and
//!   address twice on one user → "User Contact method must be unique";
//! - notification rule: `type` (`assignment_notification_rule`), `start_delay_in_minutes`
//!   (≥ 0), `urgency` (`high`|`low`) and `contact_method` (one of the user's, by ID) required;
//!   the same contact method, urgency and delay twice → "Channel Start delay must be unique for
//!   a given contact method"; `low` without the `urgencies` ability → 402/2014 (checked by
//!   the account).
//!
//! A user created through `POST /users` gets an email method labelled `Default` with the
//! login email and a high-urgency rule at 0 minutes pointing at it, as PagerDuty's `createUser`
//! response example shows ("Default" contact method and notification rule; Inf that the rule
//! is immediate and high urgency, §3.1).

use super::error::SimError;
use super::idgen::IdGenerator;
use super::seed::{SeedContactMethod, SeedNotificationRule};
use super::shape::{envelope, is_email_shaped, pagerduty_email};
use crate::ids::{NotificationRuleId, UserId};
use crate::pagerduty::models::contact::ContactMethodType;
use crate::pagerduty::models::incidents::Urgency;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// `errors[]` text for a duplicate contact method (S23).
pub(crate) const CONTACT_METHOD_NOT_UNIQUE: &str = "User Contact method must be unique";
/// `errors[]` text for a duplicate delay on one contact method (S23).
pub(crate) const START_DELAY_NOT_UNIQUE: &str =
    "Channel Start delay must be unique for a given contact method";
/// Label of the contact method and rule every created user gets (`createUser` example).
pub(crate) const DEFAULT_LABEL: &str = "Default";

/// Smallest and largest country calling code (OpenAPI `PhoneContactMethod.country_code`).
const COUNTRY_CODES: std::ops::RangeInclusive<u16> = 1..=1999;

#[derive(Debug, Clone)]
struct MethodRecord {
    id: String,
    kind: ContactMethodType,
    label: String,
    address: String,
    country_code: Option<u16>,
    send_short_email: bool,
}

#[derive(Debug, Clone)]
struct RuleRecord {
    id: String,
    delay: u32,
    urgency: Urgency,
    method: String,
}

/// A contact method to add, once read from a body or a seed.
#[derive(Debug, Clone)]
pub(crate) struct MethodDraft {
    kind: ContactMethodType,
    label: String,
    address: String,
    country_code: Option<u16>,
    send_short_email: bool,
}

/// A notification rule to add, once read.
#[derive(Debug, Clone)]
pub(crate) struct RuleDraft {
    delay: u32,
    /// The urgency; `low` needs the `urgencies` ability.
    pub(crate) urgency: Urgency,
    method: String,
}

/// Every user's contact methods and rules, in creation order.
#[derive(Debug, Default)]
pub(crate) struct ContactBook {
    methods: BTreeMap<String, Vec<MethodRecord>>,
    rules: BTreeMap<String, Vec<RuleRecord>>,
}

fn text(obj: &Map<String, Value>, key: &str, label: &str, errors: &mut Vec<String>) -> String {
    match obj.get(key) {
        Some(Value::String(s)) if !s.trim().is_empty() => s.trim().to_string(),
        Some(Value::String(_)) | None | Some(Value::Null) => {
            errors.push(format!("{label} can't be blank"));
            String::new()
        }
        Some(_) => {
            errors.push(format!("{label} must be a string"));
            String::new()
        }
    }
}

impl ContactBook {
    // ----- contact methods ---------------------------------------------------------------

    /// Checks a contact method for `user` and appends every problem to `errors` (blank
    /// labels and addresses are the callers' to report).
    fn check_method(&self, user: &str, d: &MethodDraft, errors: &mut Vec<String>) {
        match &d.kind {
            ContactMethodType::Push => errors.push(
                "Push notification contact methods are created by the PagerDuty mobile app"
                    .to_string(),
            ),
            ContactMethodType::Other(t) => errors.push(format!(
                "Type must be email_contact_method, phone_contact_method, sms_contact_method or \
                 whatsapp_contact_method (got {t:?})"
            )),
            ContactMethodType::Email => {
                if !d.address.is_empty() && !is_email_shaped(&d.address) {
                    errors.push("Address is not a valid email address".to_string());
                }
                if d.country_code.is_some() {
                    errors.push("Country code is only for phone numbers".to_string());
                }
            }
            _ => {
                if !d.address.is_empty() && !d.address.bytes().all(|b| b.is_ascii_digit()) {
                    errors.push(
                        "Address must be a phone number (digits only, without the country code)"
                            .to_string(),
                    );
                }
                match d.country_code {
                    None => errors.push("Country code can't be blank".to_string()),
                    Some(c) if !COUNTRY_CODES.contains(&c) => {
                        errors.push("Country code must be between 1 and 1999".to_string())
                    }
                    Some(_) => {}
                }
            }
        }
        let same = |m: &MethodRecord| {
            m.kind == d.kind
                && if d.kind == ContactMethodType::Email {
                    pagerduty_email(&m.address) == pagerduty_email(&d.address)
                } else {
                    m.address == d.address && m.country_code == d.country_code
                }
        };
        if self.methods.get(user).is_some_and(|ms| ms.iter().any(same)) {
            errors.push(CONTACT_METHOD_NOT_UNIQUE.to_string());
        }
    }

    /// Reads the body of `POST /users/{id}/contact_methods` for `user`.
    ///
    /// # Errors
    /// 400/2001 with every problem (rules in the module docs).
    pub(crate) fn read_method(&self, user: &str, body: &Value) -> Result<MethodDraft, SimError> {
        let obj = envelope(body, "contact_method")?;
        let mut errors = Vec::new();
        let kind = match obj.get("type") {
            Some(Value::String(t)) => ContactMethodType::from(t.as_str()),
            _ => {
                errors.push("Type can't be blank".to_string());
                ContactMethodType::Email
            }
        };
        let label = text(obj, "label", "Label", &mut errors);
        let address = text(obj, "address", "Address", &mut errors);
        let country_code = match obj.get("country_code") {
            None | Some(Value::Null) => None,
            Some(v) => match v.as_u64() {
                Some(c) if c <= u64::from(u16::MAX) => Some(c as u16),
                _ => {
                    errors.push("Country code must be between 1 and 1999".to_string());
                    None
                }
            },
        };
        let send_short_email = match obj.get("send_short_email") {
            None | Some(Value::Null) => false,
            Some(Value::Bool(b)) => *b,
            Some(_) => {
                errors.push("Send short email must be true or false".to_string());
                false
            }
        };
        let d = MethodDraft {
            kind,
            label,
            address,
            country_code,
            send_short_email,
        };
        self.check_method(user, &d, &mut errors);
        if errors.is_empty() {
            Ok(d)
        } else {
            Err(SimError::invalid_input(errors))
        }
    }

    /// Adds a checked contact method to `user` with ID `id`.
    pub(crate) fn add_method(&mut self, user: &str, id: String, d: MethodDraft) {
        self.methods
            .entry(user.to_string())
            .or_default()
            .push(MethodRecord {
                id,
                kind: d.kind,
                label: d.label,
                address: d.address,
                country_code: d.country_code,
                send_short_email: d.send_short_email,
            });
    }

    /// Gives a user created through the API its default email method and rule.
    pub(crate) fn add_defaults(&mut self, user: &str, email: &str, ids: &mut IdGenerator) {
        let method = ids.fresh();
        self.add_method(
            user,
            method.clone(),
            MethodDraft {
                kind: ContactMethodType::Email,
                label: DEFAULT_LABEL.to_string(),
                address: email.to_string(),
                country_code: None,
                send_short_email: false,
            },
        );
        self.add_rule(
            user,
            ids.fresh(),
            RuleDraft {
                delay: 0,
                urgency: Urgency::High,
                method,
            },
        );
    }

    /// Adds a seeded user's methods and rules; given IDs are used as they are (the account
    /// reserved them), missing ones are generated.
    pub(crate) fn add_seeded(
        &mut self,
        user: &str,
        methods: &[SeedContactMethod],
        rules: &[SeedNotificationRule],
        ids: &mut IdGenerator,
        errors: &mut Vec<String>,
    ) {
        for (i, m) in methods.iter().enumerate() {
            let d = MethodDraft {
                kind: m.kind.clone(),
                label: m.label.trim().to_string(),
                address: m.address.trim().to_string(),
                country_code: m.country_code,
                send_short_email: m.send_short_email.unwrap_or(false),
            };
            let mut problems = Vec::new();
            for (value, label) in [(&d.label, "Label"), (&d.address, "Address")] {
                if value.is_empty() {
                    problems.push(format!("{label} can't be blank"));
                }
            }
            self.check_method(user, &d, &mut problems);
            errors.extend(
                problems
                    .into_iter()
                    .map(|p| format!("contact_methods[{i}]: {p}")),
            );
            let id = m.id.clone().unwrap_or_else(|| ids.fresh());
            self.add_method(user, id, d);
        }
        for (i, r) in rules.iter().enumerate() {
            let mut problems = Vec::new();
            if r.kind
                .as_deref()
                .is_some_and(|k| k != "assignment_notification_rule")
            {
                problems.push("type must be assignment_notification_rule".to_string());
            }
            let d = RuleDraft {
                delay: r.start_delay_in_minutes,
                urgency: r.urgency.clone(),
                method: r.contact_method.id.clone(),
            };
            self.check_rule(user, &d, r.contact_method.kind.as_deref(), &mut problems);
            errors.extend(
                problems
                    .into_iter()
                    .map(|p| format!("notification_rules[{i}]: {p}")),
            );
            let id = r.id.clone().unwrap_or_else(|| ids.fresh());
            self.add_rule(user, id, d);
        }
    }

    fn method(&self, user: &str, id: &str) -> Option<&MethodRecord> {
        self.methods.get(user)?.iter().find(|m| m.id == id)
    }

    // ----- notification rules ------------------------------------------------------------

    fn check_rule(
        &self,
        user: &str,
        d: &RuleDraft,
        method_type: Option<&str>,
        errors: &mut Vec<String>,
    ) {
        if !Urgency::ALL.contains(&d.urgency) {
            errors.push(format!(
                "Urgency must be high or low (got {:?})",
                d.urgency.as_str()
            ));
        }
        match self.method(user, &d.method) {
            None => errors.push(format!(
                "Contact method {} is not a contact method of this user",
                d.method
            )),
            Some(m) => {
                if let Some(t) = method_type
                    && t != m.kind.as_str()
                    && t != m.kind.reference_type()
                {
                    errors.push(format!(
                        "Contact method {} is a {}, not a {t}",
                        m.id,
                        m.kind.as_str()
                    ));
                }
            }
        }
        let duplicate = self.rules.get(user).is_some_and(|rs| {
            rs.iter()
                .any(|r| r.method == d.method && r.urgency == d.urgency && r.delay == d.delay)
        });
        if duplicate {
            errors.push(START_DELAY_NOT_UNIQUE.to_string());
        }
    }

    /// Reads the body of `POST /users/{id}/notification_rules` for `user`.
    ///
    /// # Errors
    /// 400/2001 with every problem (rules in the module docs).
    pub(crate) fn read_rule(&self, user: &str, body: &Value) -> Result<RuleDraft, SimError> {
        let obj = envelope(body, "notification_rule")?;
        let mut errors = Vec::new();
        match obj.get("type") {
            Some(Value::String(t)) if t == "assignment_notification_rule" => {}
            None | Some(Value::Null) => errors.push("Type can't be blank".to_string()),
            Some(_) => errors.push("Type must be assignment_notification_rule".to_string()),
        }
        let delay = match obj.get("start_delay_in_minutes") {
            None | Some(Value::Null) => {
                errors.push("Start delay in minutes can't be blank".to_string());
                0
            }
            Some(v) => match v.as_u64() {
                Some(n) if n <= u64::from(u32::MAX) => n as u32,
                _ => {
                    errors.push(
                        "Start delay in minutes must be an integer greater than or equal to 0"
                            .to_string(),
                    );
                    0
                }
            },
        };
        let urgency = match obj.get("urgency") {
            Some(Value::String(u)) => Urgency::from(u.as_str()),
            _ => {
                errors.push("Urgency can't be blank".to_string());
                Urgency::High
            }
        };
        let (method, method_type) = match obj.get("contact_method").and_then(Value::as_object) {
            Some(cm) => (
                cm.get("id").and_then(Value::as_str).map(str::to_string),
                cm.get("type").and_then(Value::as_str).map(str::to_string),
            ),
            None => (None, None),
        };
        let Some(method) = method else {
            errors.push("Contact method can't be blank".to_string());
            return Err(SimError::invalid_input(errors));
        };
        let d = RuleDraft {
            delay,
            urgency,
            method,
        };
        self.check_rule(user, &d, method_type.as_deref(), &mut errors);
        if errors.is_empty() {
            Ok(d)
        } else {
            Err(SimError::invalid_input(errors))
        }
    }

    /// Adds a checked rule to `user` with ID `id`.
    pub(crate) fn add_rule(&mut self, user: &str, id: String, d: RuleDraft) {
        self.rules
            .entry(user.to_string())
            .or_default()
            .push(RuleRecord {
                id,
                delay: d.delay,
                urgency: d.urgency,
                method: d.method,
            });
    }

    /// Removes the rule with ID `id` from `user`; false when the user has no such rule.
    pub(crate) fn remove_rule(&mut self, user: &UserId, id: &NotificationRuleId) -> bool {
        let Some(rules) = self.rules.get_mut(user.as_str()) else {
            return false;
        };
        let before = rules.len();
        rules.retain(|r| r.id != id.as_str());
        rules.len() < before
    }

    /// Forgets a deleted user's methods and rules.
    pub(crate) fn remove_user(&mut self, user: &str) {
        self.methods.remove(user);
        self.rules.remove(user);
    }
}

mod render;

#[cfg(test)]
mod tests;
