#!/bin/sh
# Starts the local PostgreSQL and MariaDB servers the Cockpit's database tests use, when they are installed but
# not running, and waits (bounded) until they answer. Prints one line per server. Never fails: tests whose server
# is missing are skipped with the reason (and fail under CI=true, where both must run).

wait_for() { # name, test command
    name=$1
    shift
    tries=0
    while [ $tries -lt 30 ]; do
        if "$@" >/dev/null 2>&1; then
            echo "ensure-databases: $name is running"
            return 0
        fi
        tries=$((tries + 1))
        sleep 0.5
    done
    echo "ensure-databases: $name did not answer within 15 s"
    return 0
}

postgres() {
    if ! command -v pg_ctlcluster >/dev/null 2>&1 || [ ! -d /etc/postgresql ]; then
        echo "ensure-databases: PostgreSQL is not installed (its tests will be skipped)"
        return 0
    fi
    if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
        version=$(ls /etc/postgresql | sort -V | tail -n 1)
        pg_ctlcluster --skip-systemctl-redirect "$version" main start >/dev/null 2>&1 || true
    fi
    wait_for PostgreSQL pg_isready -q -h 127.0.0.1 -p 5432
}

mariadb_answers() {
    mariadb-admin --protocol=tcp -h 127.0.0.1 -P 3306 -u root status || mysqladmin --protocol=tcp -h 127.0.0.1 -P 3306 -u root status
}

mariadb() {
    if [ ! -x /usr/sbin/mariadbd ]; then
        echo "ensure-databases: MariaDB is not installed (its tests will be skipped)"
        return 0
    fi
    if ! mariadb_answers >/dev/null 2>&1; then
        mkdir -p /run/mysqld 2>/dev/null && chown mysql:mysql /run/mysqld 2>/dev/null
        start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd -- --user=mysql >/dev/null 2>&1 || true
    fi
    wait_for MariaDB mariadb_answers
}

postgres
mariadb
exit 0
