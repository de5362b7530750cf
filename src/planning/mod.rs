//! Planning as a team plans: what needs a person next (`todo`).

pub mod todo;
