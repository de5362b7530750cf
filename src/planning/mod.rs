//! Planning as a team plans: what needs a person next (`todo`). (Queues,
//! which publishing itself places, are `crate::queue`.)

pub mod media_urls;
pub mod todo;
