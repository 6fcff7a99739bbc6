//! The domain's plain values, shared by every layer and knowing none of
//! them: company codes, periods, money and dates as the files write them
//! (`codes`, `values`, `dates`), and the vocabulary of roles, statuses, kinds and
//! decisions (`vocabulary`), with the Chinese words pages and notices use
//! for them (`labels`). Storage, HTTP, the command line and the engine
//! all speak these types; nothing here reads a database or a request.

mod codes;
pub(crate) mod dates;
pub mod labels;
mod values;
mod vocabulary;

pub use codes::*;
pub use dates::*;
pub use values::*;
pub use vocabulary::*;
