"""PostgreSQL schema migrations, run in order by postgres.py; the SQLite ones are in sqlite.py."""

from __future__ import annotations

# Each entry moves the schema one version up; never edit a shipped entry.
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE articles (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        slug text NOT NULL UNIQUE,
        title text NOT NULL,
        lang text NOT NULL DEFAULT 'vi',
        published text NOT NULL,
        published_at timestamp,
        updated text,
        summary text NOT NULL DEFAULT '',
        byline text NOT NULL DEFAULT '',
        tags text NOT NULL DEFAULT '[]',
        body_html text NOT NULL,
        body_text text NOT NULL,
        search tsvector NOT NULL,
        revision integer NOT NULL DEFAULT 1,
        modified_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX articles_by_instant ON articles (published_at DESC NULLS LAST, id DESC);
    CREATE INDEX articles_search ON articles USING gin (search);
    """,
    "ALTER TABLE articles ADD COLUMN source_url text NOT NULL DEFAULT ''",
    # Every widget bundle served, so a URL pinned with SRI outlives upgrades (widget.py).
    "CREATE TABLE widget_bundles (digest text PRIMARY KEY, body bytea NOT NULL,"
    " stored_at timestamptz NOT NULL DEFAULT clock_timestamp())",
    """
    CREATE TABLE media (digest text NOT NULL, width integer NOT NULL, height integer NOT NULL,
        ext text NOT NULL, data bytea NOT NULL, PRIMARY KEY (digest, width));
    CREATE TABLE media_names (name text PRIMARY KEY, digest text NOT NULL)
    """,
    # A tag's articles newest first from an index, not a `tags::jsonb ?` test of every
    # row (tagged): one row per article and tag, kept by the trigger whoever writes.
    """
    CREATE TABLE article_tags (
        article_id bigint NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
        tag text NOT NULL,
        published_at timestamp,
        PRIMARY KEY (article_id, tag)
    );
    CREATE INDEX article_tags_newest
        ON article_tags (tag, published_at DESC NULLS LAST, article_id DESC);
    INSERT INTO article_tags SELECT id, t, published_at
        FROM articles, jsonb_array_elements_text(tags::jsonb) t ON CONFLICT DO NOTHING;
    CREATE FUNCTION article_tags_kept() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
        DELETE FROM article_tags WHERE article_id = NEW.id; INSERT INTO article_tags
        SELECT NEW.id, t, NEW.published_at FROM jsonb_array_elements_text(NEW.tags::jsonb) t
        ON CONFLICT DO NOTHING; RETURN NULL; END $$;
    CREATE TRIGGER article_tags_added AFTER INSERT ON articles
        FOR EACH ROW EXECUTE FUNCTION article_tags_kept();
    CREATE TRIGGER article_tags_changed AFTER UPDATE OF tags, published_at ON articles
        FOR EACH ROW WHEN (OLD.tags IS DISTINCT FROM NEW.tags
            OR OLD.published_at IS DISTINCT FROM NEW.published_at)
        EXECUTE FUNCTION article_tags_kept();
    ANALYZE article_tags
    """,
    # Ingest (service/ingest/): the hash an import compares, each source page's origin,
    # article and validators for the next conditional GET (store/ingested.py).
    """
    ALTER TABLE articles ADD COLUMN content_hash text NOT NULL DEFAULT '';
    CREATE TABLE ingested (url text PRIMARY KEY, origin text NOT NULL, slug text NOT NULL,
        etag text, last_modified text, listed text)
    """,
)
