//! Turns a service [`Page`] into a Relay connection.

use async_graphql::OutputType;
use async_graphql::connection::{Connection, Edge};

use crate::pagination::{Page, PageRequest};

/// A Relay connection with opaque string cursors.
pub type CursorConnection<T> = Connection<String, T>;

/// The connection for `page`, which was fetched for `request`.
pub fn to_connection<T: OutputType>(page: Page<T>, request: PageRequest) -> CursorConnection<T> {
    let mut connection = Connection::new(request.after.is_some(), page.has_next_page);
    connection.edges.extend(
        page.items
            .into_iter()
            .map(|(cursor, node)| Edge::new(cursor.encode(), node)),
    );
    connection
}
