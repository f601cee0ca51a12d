//! Storage: one diesel code path over SQLite (embedded default) and PostgreSQL (production).
//!
//! The backend is chosen from the URL scheme. Migrations are embedded per backend and run at
//! start-up; on PostgreSQL they run under an advisory lock so that several instances can start
//! at once against one database.

pub mod schema;

use std::path::PathBuf;
use std::time::Duration;

use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::prelude::*;
use diesel::r2d2::{self, ManageConnection, R2D2Connection};
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../migrations/postgres");

/// A connection to either backend; queries written against it run on both.
#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Postgresql(diesel::PgConnection),
    Sqlite(diesel::SqliteConnection),
}

pub type Pool = r2d2::Pool<Manager>;
pub type PooledConnection = r2d2::PooledConnection<Manager>;

/// Which database a URL designates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    Postgres(String),
    /// Path of the SQLite database file.
    Sqlite(PathBuf),
}

impl DatabaseUrl {
    /// `postgres://` or `postgresql://` selects PostgreSQL; `sqlite://PATH` (or `sqlite:PATH`)
    /// selects SQLite.
    pub fn parse(url: &str) -> Result<Self, String> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(DatabaseUrl::Postgres(url.to_owned()))
        } else if let Some(path) = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
        {
            if path.is_empty() {
                return Err("DATABASE_URL: sqlite:// needs a file path".into());
            }
            Ok(DatabaseUrl::Sqlite(PathBuf::from(path)))
        } else {
            Err(format!(
                "DATABASE_URL must start with sqlite:// or postgres://, got {:?}",
                url.split(':').next().unwrap_or_default()
            ))
        }
    }

    pub fn backend_name(&self) -> &'static str {
        match self {
            DatabaseUrl::Postgres(_) => "postgresql",
            DatabaseUrl::Sqlite(_) => "sqlite",
        }
    }
}

/// How the pool hands out connections.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolSettings {
    /// Connections per instance.
    pub max_size: u32,
    /// How long a request waits for a free connection before it is refused (503).
    pub wait: Duration,
    /// The longest a PostgreSQL statement may run before it is cancelled.
    pub statement_timeout: Duration,
}

impl PoolSettings {
    /// One connection, patient: for commands run by hand.
    pub fn single() -> Self {
        PoolSettings {
            max_size: 1,
            wait: Duration::from_secs(30),
            statement_timeout: Duration::from_secs(300),
        }
    }
}

/// r2d2 manager that opens the variant named by the URL and reports the real connection error
/// (diesel's generic `establish` tries every backend and hides it).
#[derive(Debug, Clone)]
pub struct Manager {
    url: DatabaseUrl,
    /// PostgreSQL's `statement_timeout` on every connection; `None` leaves the server's.
    statement_timeout: Option<Duration>,
}

impl Manager {
    pub fn new(url: DatabaseUrl) -> Self {
        Manager {
            url,
            statement_timeout: None,
        }
    }
}

/// A failure to read or write stored data: the database failed, or a stored value no longer
/// passes the shared parsers (a bug or a bad manual edit, never the client's fault).
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database: {0}")]
    Database(#[from] DieselError),
    #[error("stored {what} {value:?} is not valid")]
    Corrupt { what: &'static str, value: String },
}

impl StoreError {
    pub fn corrupt(what: &'static str, value: impl Into<String>) -> Self {
        StoreError::Corrupt {
            what,
            value: value.into(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error("{0}")]
    Connection(#[from] diesel::ConnectionError),
    #[error("{0}")]
    Query(#[from] DieselError),
}

/// Opens a PostgreSQL connection. Use this rather than `PgConnection::establish`.
///
/// libpq initialises OpenSSL without `OPENSSL_INIT_NO_ATEXIT`, so OpenSSL's exit handler can
/// free its state while another thread still opens or closes a TLS connection: a SIGSEGV as
/// the process exits (diesel-rs/diesel#3441). Initialising OpenSSL first with that flag, as
/// rust-openssl does, keeps its state alive to the end. Only the first initialisation counts.
pub fn establish_postgres(url: &str) -> ConnectionResult<diesel::PgConnection> {
    openssl_sys::init();
    diesel::PgConnection::establish(url)
}

impl ManageConnection for Manager {
    type Connection = DbConnection;
    type Error = ConnectError;

    fn connect(&self) -> Result<DbConnection, ConnectError> {
        match &self.url {
            DatabaseUrl::Postgres(url) => {
                let mut conn = establish_postgres(url)?;
                if let Some(timeout) = self.statement_timeout {
                    // A runaway query is cancelled instead of holding a connection for good.
                    conn.batch_execute(&format!(
                        "SET statement_timeout = {}",
                        timeout.as_millis().max(1)
                    ))?;
                }
                Ok(DbConnection::Postgresql(conn))
            }
            DatabaseUrl::Sqlite(path) => {
                let mut conn = diesel::SqliteConnection::establish(&path.to_string_lossy())?;
                // WAL lets readers run beside the single writer; busy_timeout makes writers
                // queue instead of failing with SQLITE_BUSY.
                conn.batch_execute(
                    "PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 10000; \
                     PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;",
                )?;
                Ok(DbConnection::Sqlite(conn))
            }
        }
    }

    fn is_valid(&self, conn: &mut DbConnection) -> Result<(), ConnectError> {
        conn.ping().map(|_| ()).map_err(ConnectError::from)
    }

    fn has_broken(&self, conn: &mut DbConnection) -> bool {
        conn.is_broken()
    }
}

/// Opens the pool, creating the SQLite file's directory if needed, and checks one connection.
pub fn connect(url: &DatabaseUrl, settings: PoolSettings) -> Result<Pool, String> {
    if let DatabaseUrl::Sqlite(path) = url
        && let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
    {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    let manager = Manager {
        url: url.clone(),
        statement_timeout: Some(settings.statement_timeout),
    };
    // Check one connection first so that a bad URL gives its real error at once.
    manager.connect().map_err(|e| {
        // libpq's messages span lines; start-up errors are one line.
        let reason = e
            .to_string()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        format!(
            "cannot connect to the {} database: {reason}",
            url.backend_name()
        )
    })?;
    r2d2::Pool::builder()
        .max_size(settings.max_size)
        .connection_timeout(settings.wait)
        .build(manager)
        .map_err(|e| format!("cannot open the {} pool: {e}", url.backend_name()))
}

/// Runs pending migrations, then `after` (seeding), holding a PostgreSQL advisory lock so that
/// concurrent instances do this one at a time.
pub fn migrate_and<T>(
    conn: &mut DbConnection,
    after: impl FnOnce(&mut DbConnection) -> Result<T, String>,
) -> Result<T, String> {
    const LOCK: &str = "SELECT pg_advisory_lock(7347001)";
    const UNLOCK: &str = "SELECT pg_advisory_unlock(7347001)";
    let migrate = |conn: &mut DbConnection| -> Result<(), String> {
        let result = match conn {
            DbConnection::Postgresql(pg) => {
                pg.run_pending_migrations(POSTGRES_MIGRATIONS).map(drop)
            }
            DbConnection::Sqlite(lite) => lite.run_pending_migrations(SQLITE_MIGRATIONS).map(drop),
        };
        result.map_err(|e| format!("database migration failed: {e}"))
    };
    let is_pg = matches!(conn, DbConnection::Postgresql(_));
    if is_pg {
        conn.batch_execute(LOCK)
            .map_err(|e| format!("cannot take the migration lock: {e}"))?;
    }
    let result = migrate(conn).and_then(|()| after(conn));
    if is_pg {
        conn.batch_execute(UNLOCK)
            .map_err(|e| format!("cannot release the migration lock: {e}"))?;
    }
    result
}

/// Runs `f` in a write transaction. On SQLite it is `BEGIN IMMEDIATE`, so the write lock is
/// taken up front and concurrent writers queue on `busy_timeout` instead of failing when a read
/// lock cannot be upgraded. On PostgreSQL it is an ordinary READ COMMITTED transaction: every
/// capacity rule is enforced by conditional UPDATEs and constraints, not by earlier reads.
pub fn write_transaction<T, E>(
    conn: &mut DbConnection,
    f: impl FnOnce(&mut DbConnection) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<DieselError>,
{
    if !matches!(conn, DbConnection::Sqlite(_)) {
        return conn.transaction(f);
    }
    with_sqlite(conn, |lite| {
        AnsiTransactionManager::begin_transaction_sql(lite, "BEGIN IMMEDIATE")
    })?;
    match f(conn) {
        Ok(value) => {
            with_sqlite(
                conn,
                <AnsiTransactionManager as TransactionManager<_>>::commit_transaction,
            )?;
            Ok(value)
        }
        Err(error) => {
            // The error that made us roll back is the one worth reporting.
            let _ = with_sqlite(
                conn,
                <AnsiTransactionManager as TransactionManager<_>>::rollback_transaction,
            );
            Err(error)
        }
    }
}

fn with_sqlite(
    conn: &mut DbConnection,
    f: impl FnOnce(&mut diesel::SqliteConnection) -> QueryResult<()>,
) -> QueryResult<()> {
    match conn {
        DbConnection::Sqlite(lite) => f(lite),
        DbConnection::Postgresql(_) => Ok(()),
    }
}

/// Runs `f` inside a savepoint so that a failed statement (typically a unique violation that
/// the caller expects and handles) does not abort the surrounding PostgreSQL transaction.
pub fn savepoint<T>(
    conn: &mut DbConnection,
    f: impl FnOnce(&mut DbConnection) -> QueryResult<T>,
) -> QueryResult<T> {
    conn.transaction(f)
}

/// True when `error` is a unique-constraint violation whose constraint or message names
/// `needle` (PostgreSQL reports the constraint name, SQLite the column list).
pub fn is_unique_violation(error: &DieselError, needle: &str) -> bool {
    match error {
        DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => {
            info.constraint_name().is_some_and(|c| c.contains(needle))
                || info.message().contains(needle)
        }
        _ => false,
    }
}

/// True when PostgreSQL cancelled a statement that ran past `statement_timeout`.
pub fn is_statement_timeout(error: &DieselError) -> bool {
    matches!(error, DieselError::DatabaseError(_, info)
        if info.message().contains("statement timeout"))
}

/// True for errors that a retry of the whole transaction may cure: a PostgreSQL deadlock or
/// serialization failure, or SQLite still locked after `busy_timeout`.
pub fn is_retryable(error: &DieselError) -> bool {
    match error {
        DieselError::DatabaseError(DatabaseErrorKind::SerializationFailure, _) => true,
        DieselError::DatabaseError(_, info) => {
            let message = info.message();
            message.contains("deadlock detected") || message.contains("database is locked")
        }
        _ => false,
    }
}

/// Serialises transactions that share `key` until they end. On PostgreSQL a transaction-level
/// advisory lock; SQLite's write transactions are serialised already.
pub fn lock_key(conn: &mut DbConnection, key: &str) -> QueryResult<()> {
    match conn {
        DbConnection::Postgresql(pg) => {
            diesel::sql_query("SELECT pg_advisory_xact_lock(hashtext($1))")
                .bind::<diesel::sql_types::Text, _>(key)
                .execute(pg)
                .map(drop)
        }
        DbConnection::Sqlite(_) => Ok(()),
    }
}
