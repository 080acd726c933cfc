//! Restoring a re-created user's contact methods and notification rules from the archive
//! (issue 7's rehire of a deleted person), one step of [`super::apply`]'s executor: the
//! user ends with the archive's rules, PagerDuty's default rule deleted unless the archive
//! has it.

use super::*;
use crate::ids::{ContactMethodId, NotificationRuleId};
use crate::marker::{self, Marker, MarkerKeys};
use crate::pagerduty::models::UserUpdate;
use crate::pagerduty::{Refusal, Sent};

/// What [`restore_contacts`] did.
pub(super) struct Restored {
    /// HTTP requests sent (the read, every create and every delete, retries included).
    pub(super) attempts: u32,
    /// Writes PagerDuty refused (each reported; the others were still sent), or the error
    /// that stopped the restore.
    pub(super) errors: Vec<ApiError>,
    /// Why nothing could be restored: the archive lacks the record, or the user is gone.
    pub(super) missing: Option<StepError>,
}

impl Restored {
    /// Counts the attempts of one write of the restore, keeping its error if it failed;
    /// whether the restore goes on after it: `true` when it succeeded or PagerDuty refused
    /// it ([`ApiError::refusal`]: a 4xx other than 401, reported while the others are still
    /// sent), `false` for any other failure, which stops the restore.
    fn record<T>(&mut self, sent: Result<Sent<T>, ApiError>) -> bool {
        match sent {
            Ok(sent) => {
                self.attempts += sent.attempts;
                true
            }
            Err(e) => {
                self.attempts += e.attempts();
                let go_on = e.refusal().is_some();
                self.errors.push(e);
                go_on
            }
        }
    }
}

/// The new user's contact method that stands in for an archived one: its ID (the new
/// user's, never the archived one's) and its type, which a notification rule's reference
/// names.
struct InPlace {
    /// The new user's contact method ID.
    id: ContactMethodId,
    /// Its type.
    kind: ContactMethodType,
}

impl InPlace {
    fn of(id: ContactMethodId, kind: ContactMethodType) -> InPlace {
        InPlace { id, kind }
    }
}

/// The two users of a restore, both PagerDuty user IDs and so named rather than passed in
/// a row: the re-created user written to, and the deleted user whose archive record is
/// restored; with the marker the plan made or verified for the first.
pub(super) struct Rehire<'a> {
    /// The re-created user (the action's `POST /users`).
    pub(super) user: &'a UserId,
    /// The deleted user ([`crate::plan::Step::RestoreContacts`]'s `from_user`).
    pub(super) from: &'a UserId,
    /// The marker `user` carries while the restore runs, as the plan made or verified it
    /// ([`crate::plan::Step::RestoreContacts`]'s `record`); `None` from a plan saved before.
    pub(super) record: Option<&'a Marker>,
}

/// Restores on user `rehire.user` (`id` below) the contact methods and notification rules
/// the archive holds for the deleted user `rehire.from` (`from`) ([`Archive::restorable`]: with those of the records it links
/// back to when `from` was itself a restore not finished), so that the user ends with the
/// archive's rules and no other:
/// 1. one read of what the user has now ([`Client::get_user_record`]);
/// 2. a `POST` for each archived contact method the user lacks (same type and address,
///    [`ContactMethod::same_as`]);
/// 3. a `DELETE` for each rule the user has that no archived rule accounts for (same
///    contact method, urgency and delay, pointing at the new contact method IDs): in a
///    first run, the default rule PagerDuty gives every created user (a high-urgency rule
///    on the default email method, §3.1), unless the archive has that very rule;
/// 4. a `POST` for each archived rule the user lacks.
///
/// Deletes go before creates, so a create can never be refused as a duplicate of the
/// default rule whatever PagerDuty's uniqueness rule covers ("Channel Start delay must be
/// unique for a given contact method", S23, names no urgency). When the rules already
/// match, no rule is deleted or created: the read is the only request they cost.
///
/// Never created again: the archived default email method (the one with the old login
/// email, which PagerDuty made itself; its rules point at the new user's default method),
/// and push methods (the mobile app makes them; their rules are skipped). Rules on a push
/// method of the new user are never deleted either (the app made them). When a contact
/// method create is refused, no rule is deleted: the user keeps PagerDuty's default rule
/// rather than lose a way to be reached before the archived ones are in place. Idempotent:
/// a restore sent again after an interruption (a crash between any two requests) reads the
/// user again and sends only what is still different. A create or delete refused with a
/// 4xx (other than 401) is kept and the others are still sent.
///
/// A contact method create PagerDuty refuses with 400 (an address it will not take) is
/// not sent again: its archived ID is added to the marker's `suspended.refused` (one more
/// `PUT` of the description, signed with `keys` when set), which the user still carries
/// with `from_archive`, so the link to the archive stays while the restore is failed; the
/// next run skips the methods listed there and finishes without them (the plan names
/// them).
///
/// The marker read and written is `rehire.record`, the one the plan made or verified for
/// the user (see [`crate::plan::Step::RestoreContacts`]), never the description as read
/// now: the user may edit their own profile between the plan and this request, and nothing
/// verifies it here, so a `refused` list written there would make the restore skip those
/// contact methods, and a record changed there would be signed by the write. Only the human
/// text around the marker is taken from the user as read. Without a record (a plan saved
/// before it) no method is skipped and none is recorded.
///
/// [`ContactMethod::same_as`]: crate::pagerduty::models::contact::ContactMethod::same_as
pub(super) async fn restore_contacts(
    client: &Client,
    archive: &ArchiveFile,
    rehire: Rehire<'_>,
    keys: Option<&MarkerKeys>,
) -> Restored {
    let Rehire {
        user: id,
        from,
        record,
    } = rehire;
    let mut done = Restored {
        attempts: 0,
        errors: Vec::new(),
        missing: None,
    };
    let Some(r) = archive.restorable(from) else {
        done.missing = Some(StepError::NotArchived { from: from.clone() });
        return done;
    };
    let now = match client.get_user_record(id).await {
        Ok(Some(now)) => now,
        Ok(None) => {
            done.attempts += 1;
            done.missing = Some(StepError::UserGone { user: id.clone() });
            return done;
        }
        Err(e) => {
            done.attempts += e.attempts();
            done.errors.push(e);
            return done;
        }
    };
    done.attempts += 1;
    let refused_before: Vec<ContactMethodId> = record
        .and_then(|m| m.suspended.as_ref())
        .map(|s| s.refused.clone())
        .unwrap_or_default();
    let mut refused_now: Vec<ContactMethodId> = Vec::new();
    // The archived contact method's ID → the contact method of the new user in its place.
    let mut ids: BTreeMap<&ContactMethodId, InPlace> = BTreeMap::new();
    let mut methods_complete = true;
    let default = now
        .contact_methods
        .iter()
        .find(|m| m.is_login_email(&now.user.email));
    for m in &r.contact_methods {
        if m.kind == ContactMethodType::Push {
            continue;
        }
        if m.is_login_email(&r.user.email) {
            if let Some(d) = default {
                ids.insert(&m.id, InPlace::of(d.id.clone(), d.kind.clone()));
            }
            continue;
        }
        let want = m.to_new();
        if let Some(have) = now.contact_methods.iter().find(|c| c.same_as(&want)) {
            ids.insert(&m.id, InPlace::of(have.id.clone(), have.kind.clone()));
            continue;
        }
        if refused_before.contains(&m.id) {
            methods_complete = false;
            continue;
        }
        match client.create_contact_method(id, &want).await {
            Ok(sent) => {
                done.attempts += sent.attempts;
                let made = sent.value;
                ids.insert(&m.id, InPlace::of(made.id, made.kind));
            }
            Err(e) => {
                done.attempts += e.attempts();
                let refusal = e.refusal();
                let go_on = refusal.is_some();
                // Bad arguments: this address is not one PagerDuty takes.
                if refusal == Some(Refusal::Other { status: 400 }) {
                    refused_now.push(m.id.clone());
                }
                done.errors.push(e);
                if !go_on {
                    return done;
                }
                methods_complete = false;
            }
        }
    }
    // The rules the user must end with: each archived rule whose contact method is in
    // place, pointing at the new contact method IDs.
    let wanted: Vec<NewNotificationRule> = r
        .notification_rules
        .iter()
        .filter_map(|rule| {
            let new = ids.get(&rule.contact_method.id)?;
            Some(NewNotificationRule {
                kind: "assignment_notification_rule".into(),
                start_delay_in_minutes: rule.start_delay_in_minutes,
                contact_method: ContactMethodReference {
                    id: new.id.clone(),
                    kind: new.kind.reference_type(),
                    summary: None,
                    self_url: None,
                    html_url: None,
                },
                urgency: rule.urgency.clone(),
            })
        })
        .collect();
    let (missing, extra) = compare_rules(&now, &wanted);
    if methods_complete {
        for rule in extra {
            if !done.record(client.delete_notification_rule(id, rule).await) {
                return done;
            }
        }
    }
    for new in missing {
        if !done.record(client.create_notification_rule(id, new).await) {
            return done;
        }
    }
    // The refused methods join the marker, so that the next run sends them no more.
    if let (Some(mut m), false) = (record.cloned(), refused_now.is_empty())
        && let Some(s) = m.suspended.as_mut()
    {
        s.refused.extend(refused_now);
        let human = marker::parse(now.user.description.as_deref()).human;
        let update = UserUpdate {
            description: Some(marker::render_with(&human, &m, keys, &now.user.email)),
            ..UserUpdate::default()
        };
        // The restore's last write: nothing follows it that a failure could stop.
        done.record(client.update_user(id, &update).await);
    }
    done
}

/// Pairs the rules user record `now` has with the `wanted` ones (same contact method ID,
/// urgency and delay, each rule paired at most once): the wanted rules no rule of the user
/// matches (to create, in archive order), and the IDs of the user's rules no wanted rule
/// matches (to delete, in PagerDuty's order), rules on push contact methods left out (the
/// mobile app makes those).
fn compare_rules<'a>(
    now: &'a UserRecord,
    wanted: &'a [NewNotificationRule],
) -> (Vec<&'a NewNotificationRule>, Vec<&'a NotificationRuleId>) {
    let mut open = vec![true; wanted.len()];
    let mut extra = Vec::new();
    for have in &now.notification_rules {
        let paired = wanted.iter().enumerate().position(|(i, w)| {
            open[i]
                && have.contact_method.id == w.contact_method.id
                && have.urgency == w.urgency
                && have.start_delay_in_minutes == w.start_delay_in_minutes
        });
        if let Some(i) = paired {
            open[i] = false;
            continue;
        }
        let push = now
            .contact_methods
            .iter()
            .find(|m| m.id == have.contact_method.id)
            .map_or_else(
                || have.contact_method.kind == ContactMethodType::Push.reference_type(),
                |m| m.kind == ContactMethodType::Push,
            );
        if !push {
            extra.push(&have.id);
        }
    }
    let missing = wanted
        .iter()
        .zip(open)
        .filter_map(|(w, open)| open.then_some(w))
        .collect();
    (missing, extra)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pagerduty::models::contact::{ContactMethod, NotificationRule};
    use crate::pagerduty::models::incidents::Urgency;
    use serde_json::json;

    fn rule(id: &str, method: &str, kind: &str, urgency: &str, delay: u32) -> NotificationRule {
        serde_json::from_value(json!({
            "id": id, "start_delay_in_minutes": delay, "urgency": urgency,
            "contact_method": {"id": method, "type": format!("{kind}_reference")},
        }))
        .unwrap()
    }

    fn wanted(method: &str, kind: &str, urgency: &str, delay: u32) -> NewNotificationRule {
        NewNotificationRule {
            kind: "assignment_notification_rule".into(),
            start_delay_in_minutes: delay,
            contact_method: ContactMethodReference {
                id: method.into(),
                kind: format!("{kind}_reference"),
                summary: None,
                self_url: None,
                html_url: None,
            },
            urgency: Urgency::from(urgency),
        }
    }

    /// A new user with PagerDuty's default email method and rule, a push method the app
    /// made with a rule of its own, and `rules` besides.
    fn record(rules: Vec<NotificationRule>) -> UserRecord {
        let method = |id: &str, kind: &str, address: &str| -> ContactMethod {
            serde_json::from_value(
                json!({"id": id, "type": kind, "label": "L", "address": address}),
            )
            .unwrap()
        };
        let mut notification_rules = vec![
            rule("PNRDEF1", "PCMDEF1", "email_contact_method", "high", 0),
            rule(
                "PNRPSH1",
                "PCMPSH1",
                "push_notification_contact_method",
                "high",
                0,
            ),
        ];
        notification_rules.extend(rules);
        UserRecord {
            user: serde_json::from_value(json!({
                "id": "PNEW001", "name": "Ann Lee", "email": "ann@example.com", "role": "user",
            }))
            .unwrap(),
            contact_methods: vec![
                method("PCMDEF1", "email_contact_method", "ann@example.com"),
                method("PCMPSH1", "push_notification_contact_method", "token"),
            ],
            notification_rules,
        }
    }

    fn ids(v: &[&NotificationRuleId]) -> Vec<String> {
        v.iter().map(|id| id.to_string()).collect()
    }

    #[test]
    fn the_default_rule_goes_unless_the_archive_has_it_and_push_rules_stay() {
        // The archive has no rule: the default goes, the app's push rule stays.
        let now = record(vec![]);
        let (missing, extra) = compare_rules(&now, &[]);
        assert!(missing.is_empty());
        assert_eq!(ids(&extra), ["PNRDEF1"]);

        // The archive has the default rule itself and a later one: nothing deleted, only
        // the later one created.
        let want = [
            wanted("PCMDEF1", "email_contact_method", "high", 0),
            wanted("PCMDEF1", "email_contact_method", "high", 5),
        ];
        let (missing, extra) = compare_rules(&now, &want);
        assert!(extra.is_empty());
        assert_eq!(missing, [&want[1]]);

        // Same method and delay, other urgency: not the same rule.
        let want = [wanted("PCMDEF1", "email_contact_method", "low", 0)];
        let (missing, extra) = compare_rules(&now, &want);
        assert_eq!(ids(&extra), ["PNRDEF1"]);
        assert_eq!(missing, [&want[0]]);
    }

    #[test]
    fn a_restore_resumed_after_a_crash_sends_only_what_is_still_different() {
        // A first run created one archived rule and was killed before the second (the
        // default rule already deleted): only the second is missing, nothing extra.
        let mut now = record(vec![rule(
            "PNRNEW1",
            "PCMSMS1",
            "sms_contact_method",
            "high",
            0,
        )]);
        now.notification_rules.remove(0);
        let want = [
            wanted("PCMSMS1", "sms_contact_method", "high", 0),
            wanted("PCMSMS1", "sms_contact_method", "low", 10),
        ];
        let (missing, extra) = compare_rules(&now, &want);
        assert!(extra.is_empty());
        assert_eq!(missing, [&want[1]]);
        // Each rule the user has is paired once: a second copy of a wanted rule is extra.
        now.notification_rules
            .push(rule("PNRNEW2", "PCMSMS1", "sms_contact_method", "high", 0));
        let (_, extra) = compare_rules(&now, &want);
        assert_eq!(ids(&extra), ["PNRNEW2"]);
    }
}
