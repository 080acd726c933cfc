//! Planner tests of the explainable plan: each action records its HR line and the rules
//! that gave its base role ([`Action::role_rule`]) and its team memberships
//! ([`Action::team_rules`]).

use super::*;

/// Two role rules (an intern rule first, so that rule #2 is the one IT staff match) and
/// three team rules, the third naming rule #1's team again with another team role.
const RULES: &str = r#"[[roles.rule]]
when = { job_title = "Intern" }
role = "limited_user"
[[roles.rule]]
when = { department = "IT" }
role = "admin"
[[teams.rule]]
when = { department = "IT" }
team = "IT Operations"
role = "responder"
[[teams.rule]]
when = { job_title = "Manager" }
team = "Managers"
role = "manager"
[[teams.rule]]
when = { department = "IT" }
team = "PTITOPS"
role = "manager"
"#;

fn explain_config() -> Config {
    let one_rule = "[[roles.rule]]\nwhen = { dept = \"x\" }\nrole = \"admin\"\n";
    assert_eq!(CONFIG.matches(one_rule).count(), 1);
    parse(&CONFIG.replace(one_rule, RULES))
}

fn action_of<'p>(p: &'p Plan, email: &str) -> &'p Action {
    p.actions
        .iter()
        .find(|a| a.email.as_str() == email)
        .unwrap_or_else(|| panic!("no action for {email}: {p:#?}"))
}

#[test]
fn a_new_admin_names_roles_rule_2_and_teams_rule_1_and_its_hr_line() {
    let cfg = explain_config();
    let r = roster(vec![emp(
        "41",
        "ann.lee@example.com",
        "Ann Lee",
        Lifecycle::Active,
        "IT",
        "Engineer",
    )]);
    let p = Account::new(vec![owner()]).plan(&r, &cfg);
    let a = action_of(&p, "ann.lee@example.com");
    assert_eq!(a.kind, ActionKind::Create);
    let Step::CreateUser(n) = &a.steps[0] else {
        panic!("{:?}", a.steps)
    };
    assert_eq!(n.role, Some(Role::Admin));
    assert_eq!(a.line, Some(r.employees[0].line));
    assert_eq!(a.role_rule, Some(RoleSource::Rule(2)));
    assert_eq!(a.role_rule.unwrap().to_string(), "roles.rule #2");
    // Rule #3 names the same team: the first matching rule gives the membership.
    assert_eq!(
        a.team_rules,
        BTreeMap::from([("IT Operations".to_string(), TeamSource::Rule(1))])
    );
    assert_eq!(a.team_rules["IT Operations"].to_string(), "teams.rule #1");
    assert_eq!(
        a.teams.as_ref().unwrap().new,
        [TeamMembership::from("IT Operations:responder")]
    );
}

#[test]
fn the_first_matching_role_rule_is_named_and_no_match_is_the_default() {
    let cfg = explain_config();
    let r = roster(vec![
        emp(
            "51",
            "ivy.intern@example.com",
            "Ivy Intern",
            Lifecycle::Active,
            "IT",
            "Intern",
        ),
        emp(
            "52",
            "sam.sales@example.com",
            "Sam Sales",
            Lifecycle::Active,
            "Sales",
            "Manager",
        ),
        emp(
            "53",
            "otto.other@example.com",
            "Otto Other",
            Lifecycle::Active,
            "Sales",
            "Clerk",
        ),
    ]);
    let p = Account::new(vec![owner()]).plan(&r, &cfg);
    // Rules #1 and #2 both match the intern; the first one decides.
    let ivy = action_of(&p, "ivy.intern@example.com");
    assert_eq!(ivy.role_rule, Some(RoleSource::Rule(1)));
    assert_eq!(
        ivy.team_rules,
        BTreeMap::from([("IT Operations".to_string(), TeamSource::Rule(1))])
    );
    let sam = action_of(&p, "sam.sales@example.com");
    assert_eq!(sam.role_rule, Some(RoleSource::Default));
    assert_eq!(sam.role_rule.unwrap().to_string(), "default");
    assert_eq!(
        sam.team_rules,
        BTreeMap::from([("Managers".to_string(), TeamSource::Rule(2))])
    );
    let otto = action_of(&p, "otto.other@example.com");
    assert_eq!(otto.role_rule, Some(RoleSource::Default));
    assert!(otto.team_rules.is_empty());
}

#[test]
fn a_mover_names_its_rules_but_leavers_name_none_and_a_leaver_without_a_row_no_line() {
    let cfg = explain_config();
    let mut moved = user(
        "PMOVE01",
        "mo.ver@example.com",
        "Mo Ver",
        Role::LimitedUser,
        "Engineer",
        marked("61"),
    );
    moved.time_zone = Some("America/New_York".into());
    let leaver = user(
        "PLEAV01",
        "lee.ver@example.com",
        "Lee Ver",
        Role::LimitedUser,
        "Engineer",
        marked("62"),
    );
    let gone = user(
        "PGONE01",
        "gone@example.com",
        "Gone Person",
        Role::LimitedUser,
        "Engineer",
        marked("69"),
    );
    let r = roster(vec![
        emp(
            "61",
            "mo.ver@example.com",
            "Mo Ver",
            Lifecycle::Active,
            "IT",
            "Engineer",
        ),
        emp(
            "62",
            "lee.ver@example.com",
            "Lee Ver",
            Lifecycle::Terminated,
            "IT",
            "Engineer",
        ),
    ]);
    let p = Account::new(vec![owner(), moved, leaver, gone]).plan(&r, &cfg);
    let mover = action_of(&p, "mo.ver@example.com");
    assert_eq!(mover.kind, ActionKind::Update);
    assert!(mover.changes_role(), "{mover:#?}");
    assert_eq!(mover.line, Some(r.employees[0].line));
    assert_eq!(mover.role_rule, Some(RoleSource::Rule(2)));
    assert_eq!(
        mover.team_rules,
        BTreeMap::from([("IT Operations".to_string(), TeamSource::Rule(1))])
    );
    // A leaver's role is the suspension's, not a rule's; its row still names its line.
    let left = action_of(&p, "lee.ver@example.com");
    assert_eq!(left.kind, ActionKind::Deactivate);
    assert_eq!(left.line, Some(r.employees[1].line));
    assert_eq!(left.role_rule, None);
    assert!(left.team_rules.is_empty());
    // No HR row at all: no line, no rules.
    let missing = action_of(&p, "gone@example.com");
    assert_eq!(missing.kind, ActionKind::Deactivate);
    assert_eq!(
        (missing.line, missing.role_rule, missing.team_rules.len()),
        (None, None, 0)
    );
}

#[test]
fn invitations_count_the_users_a_plan_creates() {
    let cfg = explain_config();
    let r = roster(vec![
        emp(
            "71",
            "new.one@example.com",
            "New One",
            Lifecycle::Active,
            "IT",
            "Engineer",
        ),
        emp(
            "72",
            "new.two@example.com",
            "New Two",
            Lifecycle::Active,
            "Sales",
            "Clerk",
        ),
        emp(
            "73",
            "old.hand@example.com",
            "Old Hand",
            Lifecycle::Active,
            "IT",
            "Engineer",
        ),
    ]);
    // An update sends no invitation.
    let old = user(
        "POLD001",
        "old.hand@example.com",
        "Old Hand",
        Role::LimitedUser,
        "Engineer",
        marked("73"),
    );
    let p = Account::new(vec![owner(), old]).plan(&r, &cfg);
    assert_eq!(p.count(ActionKind::Create), 2);
    assert_eq!(p.count(ActionKind::Update), 1);
    assert_eq!(p.invitations(), 2);
    assert!(Plan::default().invitations() == 0);
}
