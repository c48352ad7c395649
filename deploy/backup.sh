#!/bin/sh
# GridReport backup: the PostgreSQL database (pg_dump, custom format) and the media store, into one new directory.
#
#   DATABASE_URL=postgresql+psycopg://gridreport@127.0.0.1/gridreport MEDIA_DIR=/srv/gridreport/media \
#       deploy/backup.sh /backups/gridreport/$(date +%Y%m%d-%H%M)
#
# With S3_BUCKET set (S3-compatible storage) the media are copied with `aws s3 sync` (awscli; S3_ENDPOINT for a
# non-AWS store) instead of MEDIA_DIR. The database is dumped first, then the media: every photo the dump names was
# written to the store before its row was committed, so the media copy holds them all (files written after the dump
# are orphans to `flask photos gc` after a restore). Restore with deploy/restore.sh. tests/deploy runs both scripts.
set -eu

dest=${1:?usage: backup.sh DEST_DIR (a new directory)}
: "${DATABASE_URL:?DATABASE_URL must name the PostgreSQL database}"
# libpq does not read SQLAlchemy's driver suffix (postgresql+psycopg://).
url=$(printf '%s' "$DATABASE_URL" | sed -E 's#^postgres(ql)?\+[a-z0-9]+://#postgresql://#')

if [ -e "$dest" ] && [ -n "$(ls -A "$dest" 2>/dev/null)" ]; then
    echo "backup.sh: $dest exists and is not empty" >&2
    exit 1
fi
mkdir -p "$dest"

pg_dump --format=custom --no-owner --no-privileges --file="$dest/database.dump" "$url"

if [ -n "${S3_BUCKET:-}" ]; then
    aws s3 sync ${S3_ENDPOINT:+--endpoint-url "$S3_ENDPOINT"} --only-show-errors "s3://$S3_BUCKET" "$dest/media"
    tar -C "$dest" -czf "$dest/media.tar.gz" media
    rm -rf "$dest/media"
else
    : "${MEDIA_DIR:?MEDIA_DIR (or S3_BUCKET) must name the media store}"
    tar -C "$MEDIA_DIR" -czf "$dest/media.tar.gz" .
fi

(cd "$dest" && sha256sum database.dump media.tar.gz > SHA256SUMS)
echo "backup.sh: $dest: database.dump $(du -h "$dest/database.dump" | cut -f1), media.tar.gz $(du -h "$dest/media.tar.gz" | cut -f1)"
