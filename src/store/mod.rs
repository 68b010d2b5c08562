//! Persistence: every query the service, the resolvers and the command line run, each scoped to
//! one organization. Nothing outside this module builds a sea-orm query (but for the GraphQL
//! DataLoaders, `graphql::loaders`).
//!
//! Functions take any connection or transaction (`ConnectionTrait`) and an organization id; a row
//! of another organization is never returned, so "not yours" and "does not exist" look the same.
//! The few that cross organizations say so (a partner key found by its hash, the sweepers). No
//! decisions are made here: the service decides, and holds the transaction; the store reads and
//! writes. A stored code becomes its domain enum in [`codes`], nowhere else.

pub mod accounts;
pub mod ads;
pub mod audit;
pub mod campaigns;
pub mod codes;
pub mod creatives;
pub mod layers;
pub mod limits;
pub mod metrics;
pub mod optimizer;
pub mod organizations;
pub mod page;
pub mod pending;
pub mod platform_creatives;
pub mod relations;
pub mod tenancy;

pub use page::{Page, PageRequest};

use sea_orm::sea_query::{
    CommonTableExpression, IntoIden, SelectStatement, SubQueryStatement, WithClause, WithQuery,
};
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr, EntityTrait, PrimaryKeyTrait,
    Statement, TransactionTrait, UpdateMany,
};
use uuid::Uuid;

/// Opens a transaction on `db`: the only way the application opens one.
///
/// `BEGIN` runs in a task of its own, so a caller dropped while it is under way (a request whose
/// client hung up) cannot hand its connection back to the pool inside a transaction: the driver
/// queues a rollback for a transaction dropped after `BEGIN` returned, not for one dropped
/// during it. Here the task finishes `BEGIN` and, with nobody left to take the transaction,
/// drops it, which rolls it back like any other. So every pooled connection is outside any
/// transaction, and the pool hands them out without a check.
pub async fn begin(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    let db = db.clone();
    #[allow(clippy::disallowed_methods)] // the one place a transaction is opened
    let begun = tokio::spawn(async move { db.begin().await });
    begun.await.map_err(|error| DbErr::Custom(format!("opening a transaction: {error}")))?
}

/// On PostgreSQL, takes the transaction-scoped advisory lock named `key`: writes that take the
/// same key queue up until the holder's transaction ends. SQLite serializes writers itself, so
/// there is nothing to take. Call it inside a transaction.
pub async fn lock_key<C: ConnectionTrait>(txn: &C, key: &str) -> Result<(), DbErr> {
    if txn.get_database_backend() != DbBackend::Postgres {
        return Ok(());
    }
    let lock = Statement::from_sql_and_values(
        DbBackend::Postgres,
        "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))",
        [key.into()],
    );
    txn.execute_raw(lock).await?;
    Ok(())
}

/// `query` as the `WITH` query `name`.
///
/// The statements that take `WITH` queries are built in place, without sea-query's `to_owned`
/// (which copies a statement whole, and `SelectStatement::with` copies the whole `WITH` query
/// again): they carry rows and their JSON.
fn named(name: impl IntoIden, query: impl Into<SubQueryStatement>) -> CommonTableExpression {
    let mut cte = CommonTableExpression::new();
    cte.query(query).table_name(name);
    cte
}

/// `answer` run after the `WITH` queries of `with` (see [`named`]).
fn answering(with: WithClause, answer: SelectStatement) -> WithQuery {
    let mut query = WithQuery::new();
    query.with_clause(with).query(answer);
    query
}

/// Runs `update` of row `id` and answers the row as it left it: in the same statement where the
/// database can (`RETURNING`), else read back after it.
async fn updated<E, C>(conn: &C, update: UpdateMany<E>, id: Uuid) -> Result<Option<E::Model>, DbErr>
where
    E: EntityTrait,
    E::PrimaryKey: PrimaryKeyTrait<ValueType = Uuid>,
    C: ConnectionTrait,
{
    if conn.support_returning() {
        return Ok(update.exec_with_returning(conn).await?.pop());
    }
    update.exec(conn).await?;
    E::find_by_id(id).one(conn).await
}
