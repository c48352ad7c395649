#!/bin/sh
# GridReport restore: a directory written by deploy/backup.sh into an EMPTY database and an empty media store.
#
#   DATABASE_URL=postgresql+psycopg://gridreport@127.0.0.1/gridreport MEDIA_DIR=/srv/gridreport/media \
#       deploy/restore.sh /backups/gridreport/20260706-0300
#
# Create the database first (createdb -O gridreport gridreport); the script refuses one that already has tables, and
# restores in one transaction (all or nothing). With S3_BUCKET set the media go back with `aws s3 sync`. Stop the
# gunicorn instances (or keep nginx answering 503) while it runs; afterwards `flask db upgrade` is a no-op for a
# backup of the same release, and the app serves the restored roll-ups, photos and audit trail as they were.
set -eu

src=${1:?usage: restore.sh BACKUP_DIR}
: "${DATABASE_URL:?DATABASE_URL must name the (empty) PostgreSQL database}"
url=$(printf '%s' "$DATABASE_URL" | sed -E 's#^postgres(ql)?\+[a-z0-9]+://#postgresql://#')

(cd "$src" && sha256sum --check --quiet SHA256SUMS)

tables=$(psql --no-psqlrc --tuples-only --no-align --dbname="$url" \
    --command="SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'")
if [ "$tables" != "0" ]; then
    echo "restore.sh: the database already has $tables tables; restore into an empty one" >&2
    exit 1
fi

pg_restore --no-owner --no-privileges --exit-on-error --single-transaction --dbname="$url" "$src/database.dump"

if [ -n "${S3_BUCKET:-}" ]; then
    work=$(mktemp -d)
    trap 'rm -rf "$work"' EXIT
    tar -C "$work" -xzf "$src/media.tar.gz"
    aws s3 sync ${S3_ENDPOINT:+--endpoint-url "$S3_ENDPOINT"} --only-show-errors "$work/media" "s3://$S3_BUCKET"
else
    : "${MEDIA_DIR:?MEDIA_DIR (or S3_BUCKET) must name the media store}"
    mkdir -p "$MEDIA_DIR"
    tar -C "$MEDIA_DIR" -xzf "$src/media.tar.gz"
fi
echo "restore.sh: restored $src"
