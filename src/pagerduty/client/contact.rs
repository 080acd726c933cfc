//! The calls around a deletion and a restore from the archive (issue 7): one user read in
//! full with its contact methods and notification rules, and those listed, created again
//! and (PagerDuty's default rule) deleted on a re-created user. An `impl` block of [`Client`] kept apart so that
//! `client.rs` stays the home of the user and team calls.

use super::{Client, Sent, UserEnvelope};
use crate::ids::{NotificationRuleId, UserId};
use crate::pagerduty::error::ApiError;
use crate::pagerduty::models::contact::{
    ContactMethod, ContactMethodEnvelope, ContactMethodsList, CreateContactMethodRequest,
    CreateNotificationRuleRequest, NewContactMethod, NewNotificationRule, NotificationRule,
    NotificationRuleEnvelope, NotificationRulesList, UserRecord,
};
use crate::pagerduty::transport::{NotFound, Request};
use futures::FutureExt;
use reqwest::Method;

impl Client {
    /// One user in full, as hr2pagerduty archives it before a deletion:
    /// `GET /users/{id}?include[]=contact_methods&include[]=notification_rules` (one request;
    /// `include[]` values of OpenAPI `getUser`; the team references come without asking).
    /// `None` on 404 (a deleted user, fact F24).
    ///
    /// # Errors
    /// Any request error other than 404; [`ApiError::Decode`] for an unexpected body (a
    /// contact method or rule that is not a full object included).
    pub async fn get_user_record(&self, id: &UserId) -> Result<Option<UserRecord>, ApiError> {
        let mut req = Request::new(Method::GET, &["users", id.as_str()])
            .query("include[]", "contact_methods")
            .query("include[]", "notification_rules");
        req.not_found = NotFound::Answer;
        let ex = self.inner.send(&req).await?;
        if ex.status == 404 {
            return Ok(None);
        }
        #[derive(serde::Deserialize)]
        struct Included {
            #[serde(default)]
            contact_methods: Vec<ContactMethod>,
            #[serde(default)]
            notification_rules: Vec<NotificationRule>,
        }
        #[derive(serde::Deserialize)]
        struct Envelope {
            user: Included,
        }
        let mut user = ex.decode::<UserEnvelope>()?.user;
        let included = ex.decode::<Envelope>()?.user;
        user.contact_methods.clear();
        user.notification_rules.clear();
        Ok(Some(UserRecord {
            user,
            contact_methods: included.contact_methods,
            notification_rules: included.notification_rules,
        }))
    }

    /// Every contact method of a user: `GET /users/{id}/contact_methods` (not paginated,
    /// §5.2).
    ///
    /// # Errors
    /// Any request error (404 for a missing user); [`ApiError::Decode`].
    pub async fn list_contact_methods(
        &self,
        user_id: &UserId,
    ) -> Result<Vec<ContactMethod>, ApiError> {
        let req = Request::new(Method::GET, &["users", user_id.as_str(), "contact_methods"]);
        let ex = self.inner.send(&req).await?;
        Ok(ex.decode::<ContactMethodsList>()?.contact_methods)
    }

    /// Every notification rule of a user, of both urgencies:
    /// `GET /users/{id}/notification_rules?urgency=all` (not paginated; without `urgency`
    /// PagerDuty lists only high-urgency rules, OpenAPI parameter `urgency`).
    ///
    /// # Errors
    /// Any request error (404 for a missing user); [`ApiError::Decode`].
    pub async fn list_notification_rules(
        &self,
        user_id: &UserId,
    ) -> Result<Vec<NotificationRule>, ApiError> {
        let req = Request::new(
            Method::GET,
            &["users", user_id.as_str(), "notification_rules"],
        )
        .query("urgency", "all");
        let ex = self.inner.send(&req).await?;
        Ok(ex.decode::<NotificationRulesList>()?.notification_rules)
    }

    /// Adds a contact method: `POST /users/{id}/contact_methods` with
    /// `{"contact_method": {...}}` (§5.2). When an attempt's outcome is unknown the POST is
    /// not re-sent blindly: the user's contact methods are listed first, and one of the same
    /// type and address ([`ContactMethod::same_as`]) is returned with `recovered: true`.
    ///
    /// # Errors
    /// [`ApiError::Status`]: 400 with PagerDuty's reasons (e.g. "User Contact method must be
    /// unique", S23), 404 for a missing user; [`ApiError::OutcomeUnknown`] when the lookup
    /// failed.
    pub async fn create_contact_method(
        &self,
        user_id: &UserId,
        method: &NewContactMethod,
    ) -> Result<Sent<ContactMethod>, ApiError> {
        let req = Request::new(
            Method::POST,
            &["users", user_id.as_str(), "contact_methods"],
        )
        .json(&CreateContactMethodRequest {
            contact_method: method.clone(),
        });
        let lookup = || {
            async move {
                Ok(self
                    .list_contact_methods(user_id)
                    .await?
                    .into_iter()
                    .find(|m| m.same_as(method)))
            }
            .boxed()
        };
        let reply = self.inner.execute(&req, Some(&lookup)).await?;
        Sent::from_reply(reply, |e: ContactMethodEnvelope| e.contact_method)
    }

    /// Adds a notification rule: `POST /users/{id}/notification_rules` with
    /// `{"notification_rule": {...}}` (§5.3). When an attempt's outcome is unknown the rules
    /// are listed first, and one with the same contact method, urgency and delay is returned
    /// with `recovered: true`.
    ///
    /// # Errors
    /// [`ApiError::Status`]: 400 with PagerDuty's reasons (e.g. "Channel Start delay must be
    /// unique for a given contact method", S23), 402 for a low-urgency rule without the
    /// `urgencies` ability, 404; [`ApiError::OutcomeUnknown`] when the lookup failed.
    pub async fn create_notification_rule(
        &self,
        user_id: &UserId,
        rule: &NewNotificationRule,
    ) -> Result<Sent<NotificationRule>, ApiError> {
        let req = Request::new(
            Method::POST,
            &["users", user_id.as_str(), "notification_rules"],
        )
        .json(&CreateNotificationRuleRequest {
            notification_rule: rule.clone(),
        });
        let lookup = || {
            async move {
                Ok(self
                    .list_notification_rules(user_id)
                    .await?
                    .into_iter()
                    .find(|r| {
                        r.contact_method.id == rule.contact_method.id
                            && r.urgency == rule.urgency
                            && r.start_delay_in_minutes == rule.start_delay_in_minutes
                    }))
            }
            .boxed()
        };
        let reply = self.inner.execute(&req, Some(&lookup)).await?;
        Sent::from_reply(reply, |e: NotificationRuleEnvelope| e.notification_rule)
    }

    /// Removes a notification rule: `DELETE /users/{id}/notification_rules/{rule_id}`,
    /// answered 204 (OpenAPI `deleteUserNotificationRule`). A 404 after an attempt whose
    /// outcome was unknown counts as done (`recovered: true`), as for every `DELETE`.
    ///
    /// # Errors
    /// [`ApiError::Status`]: 404 for a user or rule that does not exist (otherwise), 403;
    /// the request errors of every call.
    pub async fn delete_notification_rule(
        &self,
        user_id: &UserId,
        rule_id: &NotificationRuleId,
    ) -> Result<Sent<()>, ApiError> {
        self.delete(&[
            "users",
            user_id.as_str(),
            "notification_rules",
            rule_id.as_str(),
        ])
        .await
    }
}
