//! The contact methods and notification rules of a [`ContactBook`] as PagerDuty's answers
//! show them: full objects, the references a user object carries, and the lookups of the
//! routes (`GET /users/{id}/contact_methods`, `.../notification_rules` and one of each).

use super::{ContactBook, MethodRecord, RuleRecord};
use crate::ids::{ContactMethodId, NotificationRuleId};
use crate::pagerduty::models::contact::{
    ContactMethod, ContactMethodReference, ContactMethodType, NotificationRule,
    NotificationRuleReference,
};
use crate::pagerduty::models::incidents::Urgency;
use crate::sim::error::SimError;
use crate::sim::links::Lookup;
use serde_json::Value;

impl ContactBook {
    fn render_method(&self, user: &str, m: &MethodRecord, lk: &dyn Lookup) -> ContactMethod {
        let phone = m.kind.is_phone_number();
        ContactMethod {
            id: ContactMethodId::new(&*m.id),
            kind: m.kind.clone(),
            summary: Some(m.label.clone()),
            self_url: Some(lk.api_url(&format!("/users/{user}/contact_methods/{}", m.id))),
            html_url: None,
            label: m.label.clone(),
            address: m.address.clone(),
            country_code: if phone { m.country_code } else { None },
            send_short_email: (m.kind == ContactMethodType::Email).then_some(m.send_short_email),
            enabled: Some(true),
            blacklisted: phone.then_some(false),
            device_type: None,
        }
    }

    fn method_ref(&self, user: &str, m: &MethodRecord, lk: &dyn Lookup) -> ContactMethodReference {
        ContactMethodReference {
            id: ContactMethodId::new(&*m.id),
            kind: m.kind.reference_type(),
            summary: Some(m.label.clone()),
            self_url: Some(lk.api_url(&format!("/users/{user}/contact_methods/{}", m.id))),
            html_url: None,
        }
    }

    /// A user's contact methods in full, in creation order.
    pub(crate) fn methods_of(&self, user: &str, lk: &dyn Lookup) -> Vec<ContactMethod> {
        self.methods
            .get(user)
            .into_iter()
            .flatten()
            .map(|m| self.render_method(user, m, lk))
            .collect()
    }

    /// One contact method of a user.
    ///
    /// # Errors
    /// 404/2100 when the user has no contact method with this ID.
    pub(crate) fn method_of(
        &self,
        user: &str,
        id: &str,
        lk: &dyn Lookup,
    ) -> Result<ContactMethod, SimError> {
        self.method(user, id)
            .map(|m| self.render_method(user, m, lk))
            .ok_or_else(SimError::not_found)
    }

    /// The `contact_methods` of a user object: references, or full objects with
    /// `include[]=contact_methods`.
    pub(crate) fn user_methods(&self, user: &str, full: bool, lk: &dyn Lookup) -> Vec<Value> {
        self.methods
            .get(user)
            .into_iter()
            .flatten()
            .map(|m| {
                if full {
                    serde_json::to_value(self.render_method(user, m, lk))
                } else {
                    serde_json::to_value(self.method_ref(user, m, lk))
                }
                .expect("serialisable")
            })
            .collect()
    }

    fn render_rule(&self, user: &str, r: &RuleRecord, lk: &dyn Lookup) -> NotificationRule {
        let method = self
            .method(user, &r.method)
            .map(|m| self.method_ref(user, m, lk))
            .unwrap_or_else(|| ContactMethodReference {
                id: ContactMethodId::new(&*r.method),
                kind: "email_contact_method_reference".to_string(),
                summary: None,
                self_url: None,
                html_url: None,
            });
        NotificationRule {
            id: NotificationRuleId::new(&*r.id),
            kind: "assignment_notification_rule".to_string(),
            summary: Some(format!("{} minutes: channel {}", r.delay, r.method)),
            self_url: Some(lk.api_url(&format!("/users/{user}/notification_rules/{}", r.id))),
            html_url: None,
            start_delay_in_minutes: r.delay,
            contact_method: method,
            urgency: r.urgency.clone(),
        }
    }

    /// The rule with ID `id` of `user`, as the 201 of its creation shows it.
    pub(crate) fn rule_of(
        &self,
        user: &str,
        id: &str,
        lk: &dyn Lookup,
    ) -> Option<NotificationRule> {
        self.rules
            .get(user)?
            .iter()
            .find(|r| r.id == id)
            .map(|r| self.render_rule(user, r, lk))
    }

    /// A user's rules of `urgency` (`None` = all), in creation order.
    pub(crate) fn rules_of(
        &self,
        user: &str,
        urgency: Option<&Urgency>,
        lk: &dyn Lookup,
    ) -> Vec<NotificationRule> {
        self.rules
            .get(user)
            .into_iter()
            .flatten()
            .filter(|r| urgency.is_none_or(|u| *u == r.urgency))
            .map(|r| self.render_rule(user, r, lk))
            .collect()
    }

    /// The `notification_rules` of a user object: references, or full objects with
    /// `include[]=notification_rules`.
    pub(crate) fn user_rules(&self, user: &str, full: bool, lk: &dyn Lookup) -> Vec<Value> {
        self.rules
            .get(user)
            .into_iter()
            .flatten()
            .map(|r| {
                if full {
                    serde_json::to_value(self.render_rule(user, r, lk))
                } else {
                    serde_json::to_value(NotificationRuleReference {
                        id: NotificationRuleId::new(&*r.id),
                        kind: "assignment_notification_rule_reference".to_string(),
                        summary: Some(format!("{} minutes: channel {}", r.delay, r.method)),
                        self_url: Some(
                            lk.api_url(&format!("/users/{user}/notification_rules/{}", r.id)),
                        ),
                        html_url: None,
                    })
                }
                .expect("serialisable")
            })
            .collect()
    }
}
