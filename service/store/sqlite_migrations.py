"""SQLite schema migrations, run in order by sqlite.py (PostgreSQL's: pg_migrations.py)."""

from __future__ import annotations

# Each entry moves the schema one version up; never edit a shipped entry.
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE articles (
        id INTEGER PRIMARY KEY,
        slug TEXT NOT NULL UNIQUE,
        title TEXT NOT NULL,
        lang TEXT NOT NULL DEFAULT 'vi',
        published TEXT NOT NULL,
        updated TEXT,
        summary TEXT NOT NULL DEFAULT '',
        byline TEXT NOT NULL DEFAULT '',
        tags TEXT NOT NULL DEFAULT '[]',
        body_html TEXT NOT NULL,
        body_text TEXT NOT NULL,
        revision INTEGER NOT NULL DEFAULT 1,
        modified_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
    );
    CREATE INDEX articles_by_date ON articles (published DESC, id DESC);
    CREATE VIRTUAL TABLE articles_fts USING fts5(
        title, summary, body, tokenize = 'unicode61 remove_diacritics 2'
    );
    """,
    # Order by the instant, not the text: offsets differ between sources.
    """
    ALTER TABLE articles ADD COLUMN published_at TEXT
        GENERATED ALWAYS AS (datetime(published)) VIRTUAL;
    DROP INDEX articles_by_date;
    CREATE INDEX articles_by_instant ON articles (published_at DESC, id DESC);
    """,
    "ALTER TABLE articles ADD COLUMN source_url TEXT NOT NULL DEFAULT ''",
    # Every widget bundle served, so a URL pinned with SRI outlives upgrades (widget.py).
    """
    CREATE TABLE widget_bundles (
        digest TEXT PRIMARY KEY,
        body BLOB NOT NULL,
        stored_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
    )
    """,
    # The media store (store/media.py): each width of an image, and the uploaded names.
    """
    CREATE TABLE media (
        digest TEXT NOT NULL,
        width INTEGER NOT NULL,
        height INTEGER NOT NULL,
        ext TEXT NOT NULL,
        data BLOB NOT NULL,
        PRIMARY KEY (digest, width)
    ) WITHOUT ROWID;
    CREATE TABLE media_names (name TEXT PRIMARY KEY, digest TEXT NOT NULL) WITHOUT ROWID
    """,
    # A tag's articles newest first from an index, not a json_each() of every row
    # (tagged): one row per article and tag, kept by the triggers whoever writes.
    """
    CREATE TABLE article_tags (
        article_id INTEGER NOT NULL,
        tag TEXT NOT NULL,
        published_at TEXT,
        PRIMARY KEY (article_id, tag)
    ) WITHOUT ROWID;
    CREATE INDEX article_tags_newest ON article_tags (tag, published_at DESC, article_id DESC);
    INSERT OR IGNORE INTO article_tags
        SELECT a.id, j.value, a.published_at FROM articles a, json_each(a.tags) j;
    CREATE TRIGGER article_tags_insert AFTER INSERT ON articles BEGIN
        INSERT OR IGNORE INTO article_tags
        SELECT NEW.id, value, NEW.published_at FROM json_each(NEW.tags); END;
    CREATE TRIGGER article_tags_update AFTER UPDATE OF tags, published ON articles
        WHEN OLD.tags IS NOT NEW.tags OR OLD.published IS NOT NEW.published BEGIN
        DELETE FROM article_tags WHERE article_id = OLD.id; INSERT OR IGNORE INTO article_tags
        SELECT NEW.id, value, NEW.published_at FROM json_each(NEW.tags); END;
    CREATE TRIGGER article_tags_delete AFTER DELETE ON articles BEGIN
        DELETE FROM article_tags WHERE article_id = OLD.id; END
    """,
    # Ingest (service/ingest/): the hash an import compares, each source page's origin,
    # article and validators for the next conditional GET (store/ingested.py).
    """
    ALTER TABLE articles ADD COLUMN content_hash TEXT NOT NULL DEFAULT '';
    CREATE TABLE ingested (url TEXT PRIMARY KEY, origin TEXT NOT NULL, slug TEXT NOT NULL,
        etag TEXT, last_modified TEXT, listed TEXT) WITHOUT ROWID
    """,
)
