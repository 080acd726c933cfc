//! Restoring a re-created user's contact methods and notification rules from the archive
//! (issue 7's rehire of a deleted person), one step of [`super::apply`]'s executor.

use super::*;

/// What [`restore_contacts`] did.
pub(super) struct Restored {
    /// HTTP requests sent (the read and every create, retries included).
    pub(super) attempts: u32,
    /// Creates PagerDuty refused (each reported; the others were still sent), or the error
    /// that stopped the restore.
    pub(super) errors: Vec<ApiError>,
    /// Why nothing could be restored, when the archive lacks the record.
    pub(super) missing: Option<String>,
}

/// Restores on user `id` the contact methods and notification rules the archive holds for
/// the deleted user `from`: one read of what the user has now
/// ([`Client::get_user_record`]), then a `POST` for each archived contact method the user
/// lacks (same type and address, [`ContactMethod::same_as`]) and each archived rule the user
/// lacks (same contact method, urgency and delay), rules pointing at the new contact method
/// IDs. Never created again: the archived default email method (the one with the old login
/// email, which PagerDuty made itself; its rules point at the new user's default method),
/// and push methods (the mobile app makes them; their rules are skipped). Idempotent: a
/// restore sent again after an interruption creates only what is still missing. A create
/// refused with a 4xx (other than 401) is kept and the others are still sent.
///
/// [`ContactMethod::same_as`]: crate::pagerduty::models::contact::ContactMethod::same_as
pub(super) async fn restore_contacts(
    client: &Client,
    archive: &Archive,
    id: &UserId,
    from: &UserId,
) -> Restored {
    let mut done = Restored {
        attempts: 0,
        errors: Vec::new(),
        missing: None,
    };
    let Some(r) = archive.by_user(from) else {
        done.missing = Some(format!(
            "the archive has no record of deleted user {from}; its contact methods and notification rules cannot be restored"
        ));
        return done;
    };
    let now = match client.get_user_record(id).await {
        Ok(Some(now)) => now,
        Ok(None) => {
            done.attempts += 1;
            done.missing = Some(format!("user {id} no longer exists"));
            return done;
        }
        Err(e) => {
            done.attempts += e.attempts();
            done.errors.push(e);
            return done;
        }
    };
    done.attempts += 1;
    let refused = |e: &ApiError| {
        e.status()
            .is_some_and(|c| (400..500).contains(&c) && c != 401)
    };
    let old_login = Email::normalise(&r.user.email);
    let new_login = Email::normalise(&now.user.email);
    // Old contact method ID → the new user's (ID, type).
    let mut ids: BTreeMap<&str, (String, ContactMethodType)> = BTreeMap::new();
    let default = now
        .contact_methods
        .iter()
        .find(|m| m.kind == ContactMethodType::Email && Email::normalise(&m.address) == new_login);
    for m in &r.contact_methods {
        if m.kind == ContactMethodType::Push {
            continue;
        }
        if m.kind == ContactMethodType::Email && Email::normalise(&m.address) == old_login {
            if let Some(d) = default {
                ids.insert(m.id.as_str(), (d.id.to_string(), d.kind.clone()));
            }
            continue;
        }
        let want = m.to_new();
        if let Some(have) = now.contact_methods.iter().find(|c| c.same_as(&want)) {
            ids.insert(m.id.as_str(), (have.id.to_string(), have.kind.clone()));
            continue;
        }
        match client.create_contact_method(id, &want).await {
            Ok(sent) => {
                done.attempts += sent.attempts;
                let made = sent.value;
                ids.insert(m.id.as_str(), (made.id.to_string(), made.kind));
            }
            Err(e) => {
                done.attempts += e.attempts();
                let go_on = refused(&e);
                done.errors.push(e);
                if !go_on {
                    return done;
                }
            }
        }
    }
    for rule in &r.notification_rules {
        let Some((method, kind)) = ids.get(rule.contact_method.id.as_str()) else {
            continue;
        };
        let exists = now.notification_rules.iter().any(|x| {
            x.contact_method.id.as_str() == method
                && x.urgency == rule.urgency
                && x.start_delay_in_minutes == rule.start_delay_in_minutes
        });
        if exists {
            continue;
        }
        let new = NewNotificationRule {
            kind: "assignment_notification_rule".into(),
            start_delay_in_minutes: rule.start_delay_in_minutes,
            contact_method: ContactMethodReference {
                id: method.as_str().into(),
                kind: kind.reference_type(),
                summary: None,
                self_url: None,
                html_url: None,
            },
            urgency: rule.urgency.clone(),
        };
        match client.create_notification_rule(id, &new).await {
            Ok(sent) => done.attempts += sent.attempts,
            Err(e) => {
                done.attempts += e.attempts();
                let go_on = refused(&e);
                done.errors.push(e);
                if !go_on {
                    return done;
                }
            }
        }
    }
    done
}
