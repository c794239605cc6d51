#!/bin/sh
# Creates or updates the Temporal server's two PostgreSQL schemas with its SQL tool, for the
# test harness, `npm start` (TEMPORAL_SERVER=real) and docker-compose.yml alike. Idempotent:
# create-database keeps a database that exists, `setup-schema -v 0.0` makes the version table,
# and update-schema applies each versioned step not yet applied. Reads the same TEMPORAL_DB_*
# variables as the server's configuration (config/wa-engine.yaml).
set -eu

tool=${TEMPORAL_SQL_TOOL:-temporal-sql-tool}
schemas=${TEMPORAL_SCHEMA_DIR:-/etc/temporal/schema/postgresql/v12}

export SQL_PLUGIN=postgres12
export SQL_HOST="$TEMPORAL_DB_HOST"
export SQL_PORT="$TEMPORAL_DB_PORT"
export SQL_USER="$TEMPORAL_DB_USER"
export SQL_PASSWORD="$TEMPORAL_DB_PASSWORD"

setup() {
  "$tool" --db "$1" create-database
  "$tool" --db "$1" setup-schema -v 0.0
  "$tool" --db "$1" update-schema -d "$schemas/$2/versioned"
}

setup "${TEMPORAL_DB_NAME:-temporal}" temporal
setup "${TEMPORAL_VISIBILITY_DB_NAME:-temporal_visibility}" visibility
