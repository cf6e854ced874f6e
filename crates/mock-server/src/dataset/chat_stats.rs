//! Aggregates of chat heads over a window, for the JMessage statistics endpoints. They
//! count the very heads the history endpoints serve, so the two agree by construction.

use super::chat::{ChatStream, MsgKind, Party, Position, Scope, Target, Window};

/// Messages by type, as the statistics report them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct KindCounts {
    pub text: u32,
    pub image: u32,
    pub voice: u32,
    pub other: u32,
}

impl KindCounts {
    fn add(&mut self, kind: MsgKind) {
        match kind {
            MsgKind::Text => self.text += 1,
            MsgKind::Image => self.image += 1,
            MsgKind::Voice => self.voice += 1,
            MsgKind::File | MsgKind::Location | MsgKind::Custom => self.other += 1,
        }
    }

    pub fn total(&self) -> u32 {
        self.text + self.image + self.voice + self.other
    }

    pub fn merge(&mut self, other: KindCounts) {
        self.text += other.text;
        self.image += other.image;
        self.voice += other.voice;
        self.other += other.other;
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ChatAggregate {
    pub single: KindCounts,
    pub group: KindCounts,
    /// Distinct users of the app who sent a message.
    pub senders: u32,
    /// Distinct users of the app who sent or were sent a one-to-one message.
    pub active_users: u32,
    /// Distinct groups with at least one message.
    pub active_groups: u32,
}

impl ChatStream<'_> {
    /// Counts the heads in `window`.
    pub fn aggregate(&self, window: Window) -> ChatAggregate {
        let mut aggregate = ChatAggregate::default();
        let mut sent = vec![false; self.population.user_count() as usize];
        let mut active = vec![false; self.population.user_count() as usize];
        let mut groups = vec![false; self.population.group_count() as usize];
        for head in self.scan(window, Scope::All, Position::start_of(window)) {
            if let Party::Local(u) = head.from {
                sent[u as usize] = true;
                active[u as usize] = true;
            }
            match head.target {
                Target::Single(party) => {
                    aggregate.single.add(head.kind);
                    if let Party::Local(u) = party {
                        active[u as usize] = true;
                    }
                }
                Target::Group(g) => {
                    aggregate.group.add(head.kind);
                    groups[g as usize] = true;
                }
                Target::Chatroom(_) => {}
            }
        }
        let count = |flags: &[bool]| flags.iter().filter(|f| **f).count() as u32;
        aggregate.senders = count(&sent);
        aggregate.active_users = count(&active);
        aggregate.active_groups = count(&groups);
        aggregate
    }
}
