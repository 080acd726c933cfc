//! A PagerDuty REST API v2 simulator, for tests, `hr2pagerduty sandbox` and
//! `hr2pagerduty demo`.
//!
//! It serves on `127.0.0.1` the user and team endpoints hr2pagerduty uses, and what
//! offboarding and account checks look at: escalation policies, schedules, on-calls,
//! incidents, the key's own user, licences, contact methods, notification rules and
//! abilities. It keeps an account in memory and applies PagerDuty's documented rules; where
//! the simulator and PagerDuty's documentation could disagree, the documentation wins. The
//! facts cited as F1…F37 and §n are in `../shared/reference/PAGERDUTY_API.md`; S-numbers are
//! that file's sources; "OpenAPI" is `../shared/reference/pagerduty-rest-openapiv3.json`;
//! "Inf" marks an inference where the documentation says nothing. It shares only the API
//! models ([`crate::pagerduty::models`], with their ID types from [`crate::ids`]) and the
//! vocabularies ([`crate::vocab`]: roles, time zones) with the rest of the crate.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use hr2pagerduty::sim::{self, Fault, FaultKind, Seed};
//! let seed = Seed::from_json(r#"{"api_keys": ["k"], "users": [
//!     {"name": "Bot", "email": "bot@example.com", "role": "admin"}]}"#).unwrap();
//! let sim = sim::start(seed, 0).await?;            // any free port
//! sim.inject(Fault::new("POST", "/users", FaultKind::status(503)));
//! // ... point a client at sim.url() ...
//! sim.shutdown().await;
//! # Ok(()) }
//! ```
//!
//! # Endpoints
//! All bodies are JSON, wrapped as PagerDuty wraps them (`{"user": {...}}`, S12). Lists
//! marked "pagination" take `limit`, `offset`, `total` and answer `{ITEMS, limit, offset,
//! more, total}`.
//!
//! | Request | Success | Notes |
//! |---|---|---|
//! | `GET /users` | 200 `{users, …}` | `query` (case-insensitive substring of name or email, F33), `team_ids[]` (needs `teams`), `include[]=teams\|contact_methods\|notification_rules` (full objects instead of references), pagination |
//! | `POST /users` | 201 `{user}` | `From` required (below); invitation pending; a default email contact method and rule; a licence where the account has licences |
//! | `GET /users/{id}` | 200 `{user}` | `include[]` as on the list |
//! | `PUT /users/{id}` | 200 `{user}` | partial update (F34): only the fields sent change, read-only and unknown fields are ignored; explicit `null` clears `time_zone`, `job_title`, `description`; `license` (below) |
//! | `DELETE /users/{id}` | 204 | refused with assigned incidents or as a rule's only target (below); also removes the user's team memberships, licence, contact methods and rules |
//! | `GET /users/me` | 200 `{user}` | the owner of a user-level key; an account-level key → 400/2001 (OpenAPI `getCurrentUser`: "will not work" with an account-level key, 400 listed; text Inf); `include[]` as above |
//! | `GET /users/{id}/license` | 200 `{license}` | 404/2100 when the user holds none (Inf) |
//! | `GET /users/{id}/contact_methods` | 200 `{contact_methods}` | full objects, in creation order |
//! | `POST /users/{id}/contact_methods` | 201 `{contact_method}` | rules below |
//! | `GET /users/{id}/contact_methods/{contact_method_id}` | 200 `{contact_method}` | |
//! | `GET /users/{id}/notification_rules` | 200 `{notification_rules}` | `urgency` = `high` (the documented default), `low` or `all` |
//! | `POST /users/{id}/notification_rules` | 201 `{notification_rule}` | rules below |
//! | `GET /users/{id}/notification_rules/{notification_rule_id}` | 200 `{notification_rule}` | |
//! | `DELETE /users/{id}/notification_rules/{notification_rule_id}` | 204 | any of the user's rules, the default rule included; never refused (the operation lists no 400) |
//! | `GET /teams` | 200 `{teams, …}` | `query` (case-insensitive substring of the name), pagination |
//! | `GET /teams/{id}` | 200 `{team}` | |
//! | `GET /teams/{id}/members` | 200 `{members: [{user, role}], …}` | `user` is a `user_reference`; pagination |
//! | `PUT /teams/{id}/users/{user_id}` | 204 | optional body `{"role": "observer"\|"responder"\|"manager"}`; adds or changes the role; needs `teams` |
//! | `DELETE /teams/{id}/users/{user_id}` | 204 | also when the user was not a member (Inf); refused while a policy of the team reaches the member (F32, below); needs `teams` |
//! | `GET /escalation_policies` | 200 `{escalation_policies, …}` | `query` (substring of the name), `user_ids[]` (policies on which one of the users is a target, below), `team_ids[]` (needs `teams`), `include[]=teams`, `sort_by=name\|name:asc\|name:desc`, pagination |
//! | `GET /escalation_policies/{id}` | 200 `{escalation_policy}` | `include[]=teams` |
//! | `GET /schedules` | 200 `{schedules, …}` | `query`, `team_ids[]` (needs `teams`), `include[]=schedule_layers\|final_schedule\|overrides_subschedule`, `since`, `until`, `overflow`, pagination |
//! | `GET /schedules/{id}` | 200 `{schedule}` | with layers, final schedule and (empty) overrides; `since`, `until`, `overflow` |
//! | `GET /oncalls` | 200 `{oncalls, …}` | `user_ids[]`, `escalation_policy_ids[]`, `schedule_ids[]` (`null` = direct targets), `since`, `until`, `earliest`, pagination |
//! | `GET /incidents` | 200 `{incidents, …}` | `user_ids[]` (assigned to), `statuses[]`, `urgencies[]` (needs `urgencies`), `team_ids[]` (needs `teams`), `date_range=all`, `since`, `until`, pagination |
//! | `GET /licenses` | 200 `{licenses}` | not paginated; `[]` when the seed has none |
//! | `GET /license_allocations` | 200 `{license_allocations, …}` | pagination |
//! | `GET /abilities` | 200 `{abilities}` | |
//! | `GET /abilities/{id}` | 204 | 402/2014 when the account lacks it (S15 `account_has_ability`) |
//!
//! Any other path: 404 with code 2100. Escalation policies, schedules and incidents come
//! from the seed only: the simulator serves no writes to them.
//!
//! # Rules
//! - **Authentication** (F3): `Authorization: Token token=<key>` exactly; anything else, or a
//!   key not in the seed's `api_keys` (when it lists any), → 401 `{"error":{"code":2006,
//!   "message":"Authentication failed"}}`. Other headers (`Accept`, F4) are not checked.
//! - **Content type** (F5): a non-empty POST/PUT body must be sent as `application/json`,
//!   otherwise 400/2001 (Inf: the docs require the header but do not give the error).
//! - **`From` on `POST /users`** (F6, F7): missing → 400, code 2016, "You must specify a
//!   user's email address in the "From" header to perform this action" (code as observed,
//!   S31); not an email → 400, code 1028, "Malformed "From" header"; a well-formed email of
//!   no user in the account → 400, code 1008 "Requester User Not Found" (the spec requires
//!   "a valid user associated with the account"; the error is undocumented, so the closest
//!   code on PagerDuty's list is used, Inf). Emails compare case-insensitively. The `From`
//!   user's role is not checked. Required also with a user-level key (the spec marks it
//!   required; F8 says such a key already names a user).
//! - **Validation** → 400, code 2001 "Invalid Input Provided", every problem in `errors[]`:
//!   name required, ≤ 100 characters after trimming and collapsing runs of whitespace (§3.1);
//!   email required, email-shaped, 6–100 characters, unique case-insensitively (duplicate:
//!   `"Email has already been taken"`, F31), stored lower-cased (F33); role in the 8-value
//!   enum (F13), default `user` (F14), never `owner` (F15); `time_zone` one of the 135
//!   accepted zones, else "Time zone is not a valid tzinfo identifier" (F19), unset → shown
//!   as the account's zone; `job_title` ≤ 100 (F18); description kept verbatim. Type errors
//!   (e.g. a number for `name`) → 400/2001 with serde's message.
//! - **Teams** (F17, §5.1): team role outside the enum, or a stakeholder base role
//!   (`read_only_user`, `read_only_limited_user`), → 400/2001. Without a role the member gets
//!   the default for its base role: observer (observer, restricted_access), responder
//!   (limited_user), manager (user, admin, owner). Changing a team member's base role to a
//!   stakeholder role → 400/2001 (Inf: keeps F17's invariant; remove memberships first).
//! - **Stakeholders on call** (§3.2's base-role table, S25: a stakeholder "cannot be on
//!   schedules or EPs"): changing the base role of a user in a schedule's layer, or reached
//!   by an escalation policy directly or through a schedule, to a stakeholder role →
//!   400/2001 with `errors: ["Role R cannot be on schedules or escalation policies; take the
//!   user off schedule \"S\" (ID), escalation policy \"E\" (ID) first"]` (status and text
//!   Inf: PagerDuty documents the rule, not its answer; 400/2001 is its validation error,
//!   F26). Creating a user cannot put it on a schedule, so only `PUT` checks it.
//! - **Team removal refused** (F32, S20): `DELETE /teams/{id}/users/{user_id}` of a member
//!   whom an escalation policy of that team (its `teams`) targets, directly or through a
//!   targeted schedule, → 400/2001 with `errors: ["User cannot be removed as they belong to
//!   an escalation policy on this team"]`. "Through a schedule" is Inf (S20: the Terraform
//!   provider's issue #292, a membership that could not be removed while the user was in a
//!   schedule).
//! - **User deletion refused** → 400/2001, every reason in `errors[]` (texts Inf): while a
//!   triggered or acknowledged incident is assigned to the user, whatever its age (F22,
//!   OpenAPI `deleteUser`: "Returns 400 if the user has assigned incidents"; Offboarding's
//!   automatic reassignment is not modelled); while the user is the only target of an
//!   escalation rule (Inf: a rule has at least one target, OpenAPI `EscalationRule.targets`
//!   `minItems: 1`). A deleted user's references stay in policies and schedules, with the
//!   old name as `summary`, and `GET` of the user → 404 (F24; §4.3: PagerDuty's Offboarding
//!   shows such a user as an inactive placeholder; without Offboarding the docs say
//!   nothing). Such a leftover reference targets nobody: `user_ids[]` on
//!   `GET /escalation_policies` and `GET /oncalls` no longer finds the deleted user, its
//!   levels and shifts are no on-calls, and it counts neither as a rule's other target
//!   (deleting the last live target of a rule is refused) nor as reached by a team's policy
//!   (§4.3: Offboarding removes the user from schedules and escalation policies; Inf).
//! - **Not found**: unknown user → 404/2100 "Not Found" (also on the contact-method and
//!   notification-rule list and create routes, whose OpenAPI response lists omit 404, Inf);
//!   unknown team → 404/6001 "Team Not Found" (the team is checked first on membership
//!   routes); unknown policy, schedule, contact method, or a notification rule that is not
//!   the user's (an already deleted one included; OpenAPI `getUserNotificationRule` and
//!   `deleteUserNotificationRule` list 404) → 404/2100.
//! - **What a user-level key may write** (§1.3, S25: "Only a Global Admin or the Account
//!   Owner may add or delete users and set base, team and object roles. A Manager base role
//!   can change team roles only"; S5: a user key carries its user's permissions): with a
//!   user-level key (`api_keys` `{"key", "user"}`) whose user is not `admin` or `owner`,
//!   `POST /users`, `DELETE /users/{id}` and a `PUT /users/{id}` that changes the base role
//!   → 403/2010 "Access Denied" naming the role; team membership writes (`PUT`/`DELETE
//!   /teams/{id}/users/{user_id}`) are also allowed to a `user` (Manager). An account-level
//!   key is not limited (the `From` user's role is not checked). Checked before the body.
//! - **Account owner** (F15, §4.2, §4.3): the seeded user with role `owner` (at most one)
//!   cannot be updated (`PUT` → 403/2010 "Access Denied") or deleted (`DELETE` → 403/2010).
//! - **Escalation policies** (OpenAPI `EscalationPolicy`, `EscalationRule`): 1 or more rules,
//!   each 1–10 targets (users or schedules), at most one team ("Only one team may be
//!   associated with the policy"); names unique (Inf). A rule's level is its position,
//!   from 1. `user_ids[]` finds policies on which a user is a target *directly* (Inf: "on
//!   which any of the users is a target" names the target, and a schedule is the target of
//!   a user reached through it; issue 7 relies on `GET /oncalls` to reveal such users).
//! - **Schedules**: on-call shifts are the seed's `final_schedule.rendered_schedule_entries`,
//!   not computed from the layers (which are shown as seeded). A schedule's `users` are its
//!   layers' users only ("the users on the schedule", OpenAPI `Schedule.users`): a shift
//!   held through an override (a seeded entry for a user on no layer) shows only in
//!   `GET /oncalls`; its `escalation_policies` the policies that
//!   target it. Shifts are rendered over `since`..`until`, by default now to two weeks later
//!   ("Defaults to 2 weeks after since if a since is given"; from now without either, Inf),
//!   cut at the bounds unless `overflow=true` (OpenAPI `overflow`).
//! - **On-calls** (OpenAPI `listOnCalls`, `Oncall`): a direct target is on call at its level
//!   permanently: `schedule`, `start` and `end` null. A shift of a targeted schedule is an
//!   on-call when it overlaps the range (`start ≤ until`, `end > since`), with its own start
//!   and end (Inf, as the spec's example shows whole shifts). `since` and `until` default to
//!   now; `until` before `since` → 400/2001 ("the `until` time cannot be before the `since`
//!   time"); more than 90 days between them → 400/2001 ("On-call shifts are limited to 90
//!   days in the future"; an earlier text said "The search range cannot exceed 3 months";
//!   texts Inf); shifts starting more than 90 days after now are not listed. `earliest=true`
//!   keeps the first on-call per policy, level and user. Order: policy name, level, start
//!   (permanent first), user name (Inf).
//! - **Incidents** (OpenAPI `listIncidents`, `Incident`): without `date_range=all` the
//!   search covers incidents *created* in `since`..`until`, by default the month before now
//!   ("default is 1 month"; a missing side is one month from the other, Inf); more than 6
//!   months → 400/2001 ("Maximum range is 6 months"; text Inf). `user_ids[]` matches current
//!   assignees; a resolved incident is assigned to nobody. An incident's team is its
//!   policy's. Order: creation time, then number (Inf). `statuses[]` and `urgencies[]`
//!   outside their enums → 400/2001.
//! - **Abilities** (§3.2, S15; OpenAPI parameter texts): without `teams`, `team_ids[]` on
//!   any list and team membership changes → 402, code 2014 "Missing Account Ability";
//!   without `read_only_users`, a stakeholder base role on create or update → 402; without
//!   `urgencies`, a low-urgency notification rule or `urgencies[]` → 402. The 402 of
//!   `team_ids[]` on `GET /users`, `/escalation_policies` and `/schedules` is not in those
//!   operations' OpenAPI response lists (S9: 402 is PagerDuty's answer to a missing ability).
//!   `observer` and `restricted_access` need "advanced permissions abilities" whose names the
//!   documents do not give: not checked.
//! - **Licences** (F20, §3.5), only when the seed lists any: every user holds one; a role
//!   outside the licence's `valid_roles` → 400/2001 (text Inf); a licence with no free
//!   allocation → 400/2001 "License error: License is not available" (S22). Without
//!   `license` in the body the backend picks one (§3.5): on create, and on a role change the
//!   current licence does not allow, the first seeded licence that allows the role and has
//!   room (Inf); a role change the current licence allows keeps it. So a role change sent
//!   with the old licence echoed back, which does not allow the new role, is refused (issue
//!   7). `DELETE /users/{id}` frees the allocation. `license` must be a `license_reference`.
//!   Without seeded licences `license` in bodies is ignored, as before licences existed here.
//! - **Contact methods** (§5.2): `type`, `label`, `address` required; email, phone, SMS or
//!   WhatsApp (push methods come from the mobile app: 400, Inf); phone numbers are digits
//!   without the country code, with `country_code` 1–1999 (OpenAPI `PhoneContactMethod`); the
//!   same type and address (emails case-insensitively) on one user → "User Contact method
//!   must be unique" (S23).
//! - **Notification rules** (§5.3): `type` `assignment_notification_rule`,
//!   `start_delay_in_minutes` ≥ 0, `urgency` `high`|`low` and a `contact_method` of the user
//!   (by ID; its type as `…_contact_method` or `…_contact_method_reference`) required; the
//!   same contact method, urgency and delay twice → "Channel Start delay must be unique for
//!   a given contact method" (S23).
//! - **Defaults of a created user** (§3.1, the `createUser` response example): an email
//!   contact method labelled `Default` with the login email, and a high-urgency rule at 0
//!   minutes on it (Inf: the example names both "Default" but shows no fields). Seeded users
//!   carry exactly the contact methods and rules the seed lists.
//! - **Clock**: the seed's `now` (or [`SimHandle::set_clock`]) fixes "now"; otherwise the
//!   system clock. Timestamps are rendered in UTC (`Z`) whatever `time_zone` asks for (Inf:
//!   PagerDuty renders them in the account's or the requested zone; the instants are equal).
//!   Query timestamps are RFC 3339, or a date meaning midnight UTC.
//! - **IDs**: `P` + 6 characters of `0-9A-Z`, deterministic for a given seed and request
//!   sequence, never reused after deletion (F24). Users and teams draw from one sequence,
//!   every other object from another ("unique per endpoint, not globally", §3.1), so adding
//!   policies or contact methods to a seed never changes the users' IDs. Incident IDs may
//!   also be `Q` + 13 in a seed. `self` URLs point at the simulator
//!   (`http://127.0.0.1:PORT/users/ID`); `html_url`s at `https://SUBDOMAIN.pagerduty.com/...`
//!   (null for contact methods and rules, as in PagerDuty's examples; licences have neither).
//! - **Order**: users by name (case-insensitive), then ID; teams, policies and schedules
//!   likewise; team members by user name, then user ID. A user's `teams` by team name.
//! - **Pagination** (F9, F10, S8): see [`paging`]: `limit` default 25, clamped to 100;
//!   `offset + limit > 10000` → 400 code 2002; `total` null unless `total=true`.
//! - **Rate limit** (F27–F29, S7): a fixed window per API key, by default 960 requests per
//!   60 seconds (seed `rate_limit`, or [`SimHandle::set_rate_limit`]). Every authenticated
//!   response carries `ratelimit-limit`, `ratelimit-remaining` and `ratelimit-reset` (whole
//!   seconds until the window resets, rounded up). Over budget → 429 `{"error":{"message":
//!   "Rate Limit Exceeded","code":2020}}`; a refused request does not use budget. No
//!   `Retry-After`. 401 answers are not counted. A user-level key has its own budget like
//!   any key (PagerDuty counts per user across their keys, F27: not modelled). An endpoint
//!   may have an extra limit of its own (§6; seed `rate_limit.endpoints`,
//!   [`SimHandle::set_endpoint_rate_limit`]): its requests spend both budgets and their
//!   headers describe the nearer limit. Another process on the same key:
//!   [`SimHandle::competing_load`] or [`SimHandle::spend_budget`] (or a test's own requests
//!   with that key).
//!
//! Not modelled: writes to escalation policies, schedules and incidents; rotations computed
//! from layers, schedule overrides and restrictions; services; Offboarding's incident
//! reassignment; rendering in other time zones; updating or deleting contact methods;
//! updating notification rules; push contact methods, on-call hand-off and status-update
//! rules; the `From` user's permissions and the permissions of a user-level key; the restriction of
//! fixed base roles to their default team role; `include[]` values other than those listed.
//!
//! # Request pipeline
//! Every request is (1) recorded ([`SimHandle::requests`]; POST/PUT/DELETE also counted by
//! [`SimHandle::write_count`]), (2) authenticated, (3) counted against its key's budget,
//! (4) offered to the scripted faults (the first due fault applies; see [`faults`]), or else
//! to the random faults ([`random`]), (5) delayed by the latency, if any (401 and 429
//! answers too), (6) handled.
//! No lock is held while a request waits, so concurrent requests overlap as on a real
//! network. [`SimHandle::fault_counts`] counts what was injected. A crash test may also
//! hold one chosen write unanswered, before or after its endpoint runs
//! ([`SimHandle::freeze_at_write`], [`FreezeStage`]), to kill the client at that exact point.
//!
//! # Seed format
//! JSON; every top-level field is optional and unknown fields are errors, at every level.
//! The objects are shaped as the OpenAPI document shapes them, references as
//! `{"id": …, "type": "…_reference"}`:
//!
//! ```json
//! {
//!   "api_keys": ["demo-key", {"key": "bot-user-key", "user": "bot@example.com"}],
//!   "rate_limit": {"requests": 960, "window_seconds": 60},
//!   "subdomain": "acme",
//!   "time_zone": "Etc/UTC",
//!   "now": "2026-03-02T09:00:00Z",
//!   "abilities": ["teams", "read_only_users", "urgencies"],
//!   "teams": [
//!     {"id": "PTEAM01", "name": "IT Operations", "description": "On call", "default_role": "manager"}
//!   ],
//!   "licenses": [
//!     {"id": "PFULL01", "name": "Business (Full User)", "description": "",
//!      "valid_roles": ["owner", "admin", "user", "limited_user", "observer", "restricted_access"],
//!      "role_group": "FullUser", "allocations_available": 10},
//!     {"id": "PSTAKE1", "name": "Business (Stakeholder)",
//!      "valid_roles": ["read_only_user", "read_only_limited_user"], "allocations_available": null}
//!   ],
//!   "users": [
//!     {"name": "Olive Owner", "email": "owner@example.com", "role": "owner"},
//!     {"id": "PBOT001", "name": "Provisioning Bot", "email": "bot@example.com", "role": "admin",
//!      "time_zone": "Europe/London", "job_title": "Bot", "description": "bio", "color": "green",
//!      "teams": [{"team": "IT Operations", "role": "manager"}],
//!      "license": {"id": "PFULL01", "type": "license_reference"},
//!      "contact_methods": [{"id": "PCMBOT1", "type": "sms_contact_method", "label": "Mobile",
//!                           "address": "5555550100", "country_code": 1}],
//!      "notification_rules": [{"start_delay_in_minutes": 0, "urgency": "high",
//!                              "contact_method": {"id": "PCMBOT1", "type": "sms_contact_method_reference"}}]}
//!   ],
//!   "schedules": [
//!     {"id": "PSCHED1", "name": "Ops Primary", "time_zone": "Europe/London",
//!      "teams": [{"id": "PTEAM01", "type": "team_reference"}],
//!      "schedule_layers": [{"name": "Weekly", "start": "2026-01-05T09:00:00Z",
//!                           "rotation_turn_length_seconds": 604800,
//!                           "users": [{"user": {"id": "PBOT001", "type": "user_reference"}}]}],
//!      "final_schedule": {"rendered_schedule_entries": [
//!        {"user": {"id": "PBOT001", "type": "user_reference"},
//!         "start": "2026-03-02T09:00:00Z", "end": "2026-03-09T09:00:00Z"}]}}
//!   ],
//!   "escalation_policies": [
//!     {"id": "PEPOPS1", "name": "IT Operations EP", "teams": [{"id": "PTEAM01", "type": "team_reference"}],
//!      "escalation_rules": [
//!        {"escalation_delay_in_minutes": 15, "targets": [{"id": "PSCHED1", "type": "schedule_reference"}]},
//!        {"escalation_delay_in_minutes": 30, "targets": [{"id": "PBOT001", "type": "user_reference"}]}]}
//!   ],
//!   "incidents": [
//!     {"id": "Q0000000000001", "title": "Disk full", "status": "acknowledged", "urgency": "high",
//!      "created_at": "2026-02-25T10:00:00Z",
//!      "assignments": [{"assignee": {"id": "PBOT001", "type": "user_reference"}}],
//!      "escalation_policy": {"id": "PEPOPS1", "type": "escalation_policy_reference"}}
//!   ],
//!   "faults": [
//!     {"method": "POST", "path": "/users", "skip": 1, "times": 1, "kind": {"type": "status", "status": 503}}
//!   ],
//!   "random_faults": {
//!     "seed": 42, "server_error_percent": 5, "drop_percent": 2, "commit_then_fail_percent": 2,
//!     "rate_limit_percent": 0.5, "rate_limit_burst": 5, "latency_ms": 150, "latency_jitter_ms": 50,
//!     "list_lag_ms": 2000, "lock_contention_percent": 20
//!   }
//! }
//! ```
//!
//! - `api_keys`: accepted keys; a plain string is an account-level key, `{"key", "user"}` a
//!   user-level key owned by that user (email or ID; `GET /users/me` answers with it). Empty or
//!   absent → any non-empty key is accepted, as an account-level key (each key still has its
//!   own budget).
//! - `rate_limit.requests` (alias `requests_per_minute`, default 960) per
//!   `rate_limit.window_seconds` (default 60, at least 1); `rate_limit.endpoints[]`:
//!   [`EndpointRateLimit`]s, `{"method": "GET", "path": "/oncalls", "requests": 60,
//!   "window_seconds": 60}`.
//! - `subdomain` (default `sim`): used in `html_url`s. `time_zone` (default `Etc/UTC`): the
//!   account's zone, one of the 135.
//! - `now`: RFC 3339; when set the clock stands still there (default: the system clock).
//! - `abilities`: the account's abilities; absent → [`DEFAULT_ABILITIES`] (the four of the
//!   OpenAPI `listAbilities` example plus `coordinated_responding`); `[]` → none.
//! - `teams[]`: `name` (required, unique case-insensitively, ≤ 100), `id` (optional, `P` + 6
//!   of `0-9A-Z`), `description` (≤ 1024), `default_role` (`manager`, the default, or
//!   `none`).
//! - `licenses[]`: `id` (required), `name`, `valid_roles` (required), `description`,
//!   `role_group` (`FullUser`/`Stakeholder`; default from the roles), `allocations_available`
//!   (what is free once the seeded users hold theirs; absent or null = no cap), `type`
//!   (`license`). `current_value` is counted, not given.
//! - `users[]`: `name`, `email` (required), `id`, `role` (default `user`; `owner` allowed
//!   for one user), `time_zone`, `job_title`, `description`, `color`, `teams[]` of
//!   `{"team": NAME_OR_ID, "role": TEAM_ROLE?}`, `license` (a `license_reference`; absent →
//!   picked as on create, caps not checked), `contact_methods[]` (`id`, `type`, `label`,
//!   `address`, `country_code`, `send_short_email`), `notification_rules[]` (`id`,
//!   `start_delay_in_minutes`, `urgency`, `contact_method`: a reference to one of the user's
//!   seeded methods by `id`). The same rules as the API apply (abilities included). Seeded
//!   users have no pending invitation and no default contact method.
//! - `schedules[]`: `name` (required), `id` (give it when a policy targets the schedule),
//!   `time_zone` (default the account's), `description`, `teams[]`, `schedule_layers[]`
//!   (`id`, `name` (default `Layer N`), `start` (default the clock at start-up), `end`,
//!   `rotation_virtual_start` (default `start`), `rotation_turn_length_seconds` (default
//!   604800), `users[]` of `{"user": REF}`), `final_schedule.rendered_schedule_entries[]`
//!   (`user`, `start`, `end`): the on-call shifts.
//! - `escalation_policies[]`: `name` (required, unique), `id`, `description`, `num_loops`,
//!   `on_call_handoff_notifications`, `teams[]` (at most one), `escalation_rules[]` (at least
//!   one: `escalation_delay_in_minutes`, `targets[]` 1–10 user or schedule references, `id`).
//! - `incidents[]`: `title`, `created_at` (required), `id` (`P` + 6 or `Q` + 13),
//!   `incident_number` (default: counting on from the highest given), `status` (default
//!   `triggered`), `urgency` (default `high`), `resolved_at` (resolved only), `assignments[]`
//!   of `{"assignee": REF, "at"?}` (none when resolved), `escalation_policy`.
//! - Object IDs (everything but users and teams) are unique among themselves.
//! - `faults[]`: [`Fault`]s in JSON form: `method`, `path`, `skip` (default 0), `times`
//!   (default 1; `null` = every later match) and `kind` tagged by `type`: `status`
//!   (`status`, optional `code`, `message`, `errors`), `proxy_error` (`status`, default 502:
//!   an HTML page without `ratelimit-*` headers), `rate_limited` (`reset_seconds`),
//!   `bare_rate_limit`, `delay` (`ms`), `drop`, `apply_then_fail` (`status`, default 500),
//!   `apply_then_drop`, `account_lock`, `end_early`, `repeat_page`, `empty_page`.
//! - `random_faults`: [`RandomFaults`], every field optional: `seed` (the fault seed),
//!   `server_error_percent` with `server_error_statuses` (default `[500, 502, 503, 504]`),
//!   `drop_percent`, `rate_limit_percent`, `bare_rate_limit_percent`, `rate_limit_burst`
//!   (requests per 429 storm, default 1), `rate_limit_reset_seconds` (default 1),
//!   `commit_then_fail_percent`, `commit_then_drop_percent` (of writes), `slow_percent` with
//!   `slow_ms` (default 2000), `latency_ms`, `latency_jitter_ms`, `list_lag_ms`,
//!   `lock_contention_percent`. Percentages are 0–100 (fractions allowed). What each does and
//!   what "reproducible" means: [`random`].
//!
//! Small examples are `fixtures/sim/basic.json` and `fixtures/sim/oncall.json`.

mod clock;
mod contacts;
mod control;
mod error;
pub mod faults;
mod freeze;
mod http;
mod idgen;
mod incidents;
mod lag;
mod licenses;
mod links;
mod load;
mod oncall;
pub mod paging;
mod pipeline;
pub mod random;
mod ratelimit;
mod routes;
mod seed;
mod shape;
mod state;

pub use control::CompetingLoad;
pub use error::SimError;
pub use faults::{Fault, FaultKind};
pub use freeze::FreezeStage;
pub use random::{FaultCounts, RandomFaults};
pub use ratelimit::{DEFAULT_REQUESTS, DEFAULT_WINDOW_SECONDS, EndpointRateLimit};
pub use seed::{
    DEFAULT_ABILITIES, RateLimitSeed, Seed, SeedApiKey, SeedAssignment, SeedContactMethod,
    SeedEscalationPolicy, SeedEscalationRule, SeedIncident, SeedLayerUser, SeedLicense,
    SeedMembership, SeedNotificationRule, SeedReference, SeedSchedule, SeedScheduleEntry,
    SeedScheduleLayer, SeedSubSchedule, SeedTeam, SeedTime, SeedUser, SeedUserKey,
};

use crate::pagerduty::models::{Team, TeamMember, User};
use http::{Shared, lock};
use state::{Account, Includes, UserFilter};
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// One request the simulator received. Never holds the `Authorization` header.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordedRequest {
    /// HTTP method, e.g. `POST`.
    pub method: String,
    /// Path without the query, e.g. `/teams/PTEAM01/users/PBOT001`.
    pub path: String,
    /// Raw query string without `?` (still percent-encoded), `""` when none.
    pub query: String,
    /// Status answered; 0 while the request is in flight or when the connection was closed
    /// without an answer (`drop` faults).
    pub status: u16,
    /// The `From` header, if sent.
    pub from: Option<String>,
    /// The body parsed as JSON; a non-JSON body as a JSON string; `None` when empty.
    pub body: Option<serde_json::Value>,
}

/// Starts a simulator for `seed` on `127.0.0.1:port` (`port` 0 picks a free port) and serves
/// it in a tokio task until [`SimHandle::shutdown`] (or the end of the runtime).
///
/// # Errors
/// `InvalidInput` when the seed breaks a rule (the message lists every problem, as
/// [`Seed::validate`]); otherwise the error of binding the port.
pub async fn start(seed: Seed, port: u16) -> std::io::Result<SimHandle> {
    let invalid =
        |e: SimError| std::io::Error::new(std::io::ErrorKind::InvalidInput, e.to_string());
    let mut account = seed
        .with_setting_problems(Account::from_seed(&seed, ""))
        .map_err(invalid)?;
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, port)).await?;
    let addr = listener.local_addr()?;
    account.set_api_base(&format!("http://{addr}"));

    let mut faults = faults::FaultBook::default();
    for fault in seed.faults {
        faults.add(fault);
    }
    let mut limiter =
        ratelimit::RateLimiter::new(seed.rate_limit.requests, seed.rate_limit.window_seconds);
    for limit in seed.rate_limit.endpoints {
        limiter.set_endpoint_limit(limit);
    }
    let (stop, stopped) = watch::channel(false);
    let keys = seed.api_keys.iter().map(|k| k.key().to_string()).collect();
    let shared = Arc::new(Shared::new(
        account,
        faults,
        limiter,
        seed.random_faults,
        keys,
        stopped.clone(),
    ));
    let task = tokio::spawn(http::serve(listener, http::router(shared.clone()), stopped));
    Ok(SimHandle {
        inner: Arc::new(Inner {
            addr,
            shared,
            stop,
            task: Mutex::new(Some(task)),
        }),
    })
}

/// A running simulator. Cloning gives another handle to the same simulator.
#[derive(Clone)]
pub struct SimHandle {
    inner: Arc<Inner>,
}

struct Inner {
    addr: SocketAddr,
    shared: Arc<Shared>,
    stop: watch::Sender<bool>,
    task: Mutex<Option<JoinHandle<()>>>,
}

impl std::fmt::Debug for SimHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimHandle")
            .field("url", &self.url())
            .finish_non_exhaustive()
    }
}

impl SimHandle {
    /// The base URL, `http://127.0.0.1:PORT` (no trailing slash).
    pub fn url(&self) -> String {
        format!("http://{}", self.inner.addr)
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.inner.addr
    }

    /// Every request received so far, in order of arrival.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.inner.shared.log).clone()
    }

    /// Number of POST, PUT and DELETE requests received, whatever their answer (including
    /// 401, 429, injected faults and dropped connections).
    pub fn write_count(&self) -> usize {
        self.inner.shared.writes.load(Ordering::SeqCst)
    }

    /// Holds write number `write` (1-based, counted as [`SimHandle::write_count`] counts)
    /// at `stage` and never answers it, so that a crash test can kill the client at that
    /// exact point (see [`FreezeStage`]); replaces any earlier point. Not a PagerDuty
    /// behaviour.
    pub fn freeze_at_write(&self, write: usize, stage: FreezeStage) {
        self.inner.shared.freeze.set(write, stage);
    }

    /// Whether the write chosen by [`SimHandle::freeze_at_write`] has been held.
    pub fn frozen(&self) -> bool {
        self.inner.shared.freeze.reached()
    }

    /// Lifts the freeze point: later writes are answered (a write already held stays
    /// held until its client goes away).
    pub fn unfreeze(&self) {
        self.inner.shared.freeze.clear();
    }

    /// The current users in API order (name, then ID), each with team references.
    pub fn users(&self) -> Vec<User> {
        lock(&self.inner.shared.account).list_users(&UserFilter::default(), Includes::default())
    }

    /// The user with this email (compared case-insensitively), if any.
    pub fn user_by_email(&self, email: &str) -> Option<User> {
        lock(&self.inner.shared.account).user_by_email(email)
    }

    /// The current teams in API order (name, then ID).
    pub fn teams(&self) -> Vec<Team> {
        lock(&self.inner.shared.account).list_teams(None)
    }

    /// The members of a team with their team roles, in API order; empty for an unknown team.
    pub fn team_members(&self, team_id: &str) -> Vec<TeamMember> {
        lock(&self.inner.shared.account)
            .team_members(team_id)
            .unwrap_or_default()
    }

    /// Freezes the simulator's clock at `now` (what `GET /oncalls`, `GET /incidents` and new
    /// licence allocations take as the current time), as the seed's `now` does.
    pub fn set_clock(&self, now: chrono::DateTime<chrono::Utc>) {
        lock(&self.inner.shared.account).set_clock(now);
    }

    /// Adds a fault after those already present (earlier faults win when several are due).
    ///
    /// # Panics
    /// When the fault is malformed (see [`Fault::validate`]): a bug in the calling test.
    pub fn inject(&self, fault: Fault) {
        if let Err(e) = fault.validate() {
            panic!("invalid fault {fault:?}: {e}");
        }
        lock(&self.inner.shared.faults).add(fault);
    }

    /// Removes every fault, including those from the seed.
    pub fn clear_faults(&self) {
        lock(&self.inner.shared.faults).clear();
    }

    /// Sets the budget to `requests` per `window_seconds` seconds (0 is treated as 1) for
    /// every key, and starts every key's window afresh.
    pub fn set_rate_limit(&self, requests: u32, window_seconds: u64) {
        lock(&self.inner.shared.limiter).reconfigure(requests, window_seconds.max(1));
    }

    /// Stops accepting, closes every open connection (in-flight requests get no answer) and
    /// waits for the server task to end. Other clones of the handle stay usable for
    /// inspection.
    pub async fn shutdown(self) {
        let _ = self.inner.stop.send(true);
        let task = lock(&self.inner.task).take();
        if let Some(task) = task {
            let _ = task.await;
        }
    }
}
