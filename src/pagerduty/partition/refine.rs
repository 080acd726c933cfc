//! How a partition above the offset ceiling is narrowed (the module docs' *Strategy*): its
//! children's characters, in rounds (those the users listed so far show next to its query,
//! then every character seen in that field, then the whole alphabet), the name family once
//! the emails fall short, and the split by team for what no child reaches.

use super::{Family, Partitioner};
use crate::email::Email;
use crate::ids::TeamId;
use crate::pagerduty::error::ApiError;
use crate::pagerduty::models::TeamsPage;
use crate::pagerduty::pagination::{self, Listing};
use std::collections::BTreeSet;

/// Longest `query` tried: names and emails have at most 100 characters (fact F18).
const MAX_QUERY_CHARS: usize = 100;

/// Characters tried before an email suffix when the sample did not show enough: those of
/// common local parts (RFC 5321 allows a few more; any seen in an email are added).
const EMAIL_ALPHABET: &str = "abcdefghijklmnopqrstuvwxyz0123456789._-+'";

/// Characters tried after a name prefix when the sample did not show enough (any seen in a
/// name are added).
const NAME_ALPHABET: &str = "abcdefghijklmnopqrstuvwxyz0123456789 .-'";

impl Partitioner<'_> {
    /// The characters the users seen so far show next to partition `i`'s query: before
    /// the suffix (emails), after the prefix (names, anywhere in the name).
    pub(super) fn sampled(&self, i: usize) -> BTreeSet<char> {
        let node = &self.nodes[i];
        let mut chars = BTreeSet::new();
        match node.family {
            Family::Email => {
                let suffix = node.query.trim_end_matches('@');
                for u in self.users.values() {
                    let email = Email::normalise(&u.email);
                    let Some((local, _)) = email.as_str().rsplit_once('@') else {
                        continue;
                    };
                    if let Some(before) = local.strip_suffix(suffix)
                        && let Some(c) = before.chars().next_back()
                    {
                        chars.insert(c);
                    }
                }
            }
            Family::Name => {
                for u in self.users.values() {
                    let name = u.name.to_lowercase();
                    for (at, _) in name.match_indices(node.query.as_str()) {
                        if let Some(c) = name[at + node.query.len()..].chars().next() {
                            chars.insert(c);
                        }
                    }
                }
                chars.remove(&'@');
            }
        }
        chars
    }

    /// The characters seen in emails' local parts (or names), plus, when `whole`, the
    /// family's alphabet; never `@`.
    fn alphabet(&self, family: Family, whole: bool) -> BTreeSet<char> {
        let (seen, base) = match family {
            Family::Email => (&self.email_chars, EMAIL_ALPHABET),
            Family::Name => (&self.name_chars, NAME_ALPHABET),
        };
        let base = if whole { base } else { "" };
        seen.iter()
            .copied()
            .chain(base.chars())
            .filter(|c| *c != '@')
            .collect()
    }

    /// Asks the children of partition `i` for `chars` not tried yet.
    pub(super) fn refine(&mut self, i: usize, chars: BTreeSet<char>) -> Result<(), ApiError> {
        self.nodes[i].refined = true;
        self.nodes[i].rounds = self.nodes[i].rounds.max(1);
        if self.nodes[i].query.chars().count() >= MAX_QUERY_CHARS {
            return Ok(());
        }
        let fresh: Vec<char> = chars
            .into_iter()
            .filter(|c| !self.nodes[i].tried.contains(c))
            .collect();
        for c in fresh {
            self.nodes[i].tried.insert(c);
            let (query, team, family) = {
                let n = &self.nodes[i];
                (n.child_query(c), n.team.clone(), n.family)
            };
            self.add(query, team, family, Some(i))?;
        }
        Ok(())
    }

    /// Once every request is answered short of `total`: asks what the next round of the
    /// strategy adds (the whole alphabet, the name family, team splits), false when
    /// nothing is left.
    pub(super) async fn next_round(&mut self) -> Result<bool, ApiError> {
        let asked = self.nodes.len();
        // 1. More characters for refined partitions their children do not cover: every
        //    character seen in that field, then the whole alphabet.
        for round in [2, 3] {
            for i in 0..self.nodes.len() {
                let n = &self.nodes[i];
                if n.refined && n.rounds < round && n.open() {
                    self.nodes[i].rounds = round;
                    let chars = self.alphabet(self.nodes[i].family, round == 3);
                    self.refine(i, chars)?;
                }
            }
            if self.nodes.len() > asked {
                return Ok(true);
            }
        }
        // 2. Names, when `query` does not reach every user through the emails.
        let by_email = self.nodes[self.email_root].total.unwrap_or(0);
        if !self.name_started && by_email < self.total {
            self.name_started = true;
            let chars = self.sampled(0);
            self.refine(0, chars)?;
            if self.nodes.len() > asked {
                return Ok(true);
            }
        }
        // 3. Teams, for the partitions still open.
        if !self.teams_split {
            self.teams_split = true;
            let open: Vec<usize> = (0..self.nodes.len())
                .filter(|&i| {
                    let n = &self.nodes[i];
                    n.team.is_none() && n.refined && n.open()
                })
                .collect();
            if !open.is_empty() {
                let teams = self.team_ids().await?;
                for i in open {
                    for team in &teams {
                        let (query, family) = (self.nodes[i].query.clone(), self.nodes[i].family);
                        self.add(query, Some(team.clone()), family, None)?;
                    }
                }
            }
        }
        Ok(self.nodes.len() > asked)
    }

    /// Every team's ID (`GET /teams`, through the same paginator); none, with a note, when
    /// that listing is itself incomplete.
    async fn team_ids(&mut self) -> Result<Vec<TeamId>, ApiError> {
        let listing = Listing::new("teams", &["teams"], &[]);
        match pagination::collect::<TeamsPage>(self.transport, &listing, &|_, _| {}).await {
            Ok(teams) => Ok(teams.into_iter().map(|t| t.id).collect()),
            Err(e @ ApiError::IncompleteListing { .. }) => {
                self.notes.push(format!("no split by team: {e}"));
                Ok(Vec::new())
            }
            Err(e) => Err(e),
        }
    }
}
