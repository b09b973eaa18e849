// bots-backup in the Bots 4 image, against SQLite, a real PostgreSQL and a real MariaDB server:
// a backup of a database with an engine run's rows and of the environment's files, changes after
// it, and the restore that brings back the same rows in every table and the same file hashes. The
// refusals (a damaged backup, another stack's, a newer schema, an encrypted one without its key),
// each with nothing changed; encryption at rest with age; and the engine skipping its run while a
// backup's marker is up. Backups go to a directory (the claim target); S3 is the e2e tier's.
import { strict as assert } from "assert";
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import {
    BASE_IMAGE, BOTS_TREE, IMAGE, cleanupAll, docker, dropX12Order, ensureImage, envDir, installX12Route, makeConfigDir, makeVolume, must,
    requireShared, run, runArgs, specDatabase, x12Inbox,
} from "./support";

const PORTS = { web: 18095, jobqueue: 28196, engine: 28195 };
type Engine = "sqlite" | "postgresql" | "mysql";

// Every table's rows (sorted) and every file's sha256 under usersys and botssys, as the image sees them.
const STATE_PY = `
import hashlib, json, os
from bots_runtime.bootstrap import init_bots
from bots_runtime.paths import env_dir
init_bots(quiet=True)
from django.db import connection
tables = {}
with connection.cursor() as c:
    for t in sorted(connection.introspection.table_names()):
        c.execute(f"SELECT * FROM {connection.ops.quote_name(t)}")
        tables[t] = sorted(json.dumps([str(v) for v in row]) for row in c.fetchall())
files = {}
for part in ("usersys", "botssys"):
    for root, dirs, names in os.walk(os.path.join(env_dir(), part)):
        dirs[:] = [d for d in dirs if d not in ("sqlitedb", "__pycache__")]
        for n in names:
            p = os.path.join(root, n)
            files[os.path.relpath(p, env_dir())] = hashlib.sha256(open(p, "rb").read()).hexdigest()
print(json.dumps({"tables": tables, "files": files}))
`;

interface State {
    tables: Record<string, string[]>;
    files: Record<string, string>;
}

const idOf = (out: string) => /backup (\d{8}T\d{6}Z) complete/.exec(out)?.[1];

describe("backup and restore (bots-backup)", function () {
    this.timeout(600_000);
    before(function () {
        requireShared(this);
        ensureImage();
    });
    after(() => cleanupAll());

    function setup(engine: Engine, stack: string) {
        const botsenv = `bk${engine.slice(0, 5)}`;
        const volume = makeVolume(`backup-${engine}`);
        const target = makeVolume(`backup-target-${engine}`);
        const etc = makeConfigDir(PORTS);
        const dbname = `bots_backup_${engine}`;
        const dbEnv = specDatabase(engine, engine === "sqlite" ? `botsdb-${botsenv}` : dbname);
        const env = (over: Record<string, string> = {}) => ({
            BOTSENV: botsenv, ...dbEnv, SUPERUSER_USERNAME: "admin", SUPERUSER_PASSWORD: "backup-test-pw",
            BACKUP_STACK: stack, BACKUP_TARGET: "claim", BACKUP_IMAGE: `registry.example.com/bots@sha256:${"a".repeat(64)}`,
            BACKUP_ENGINE_GRACE_SECONDS: "1", ...over,
        });
        const opts = (over: Record<string, string> = {}, extra: string[] = []) => ({ volume, etc, env: env(over), extra: ["-v", `${target}:/backups`, ...extra] });
        const bots = (args: string[], over: Record<string, string> = {}, extra: string[] = []) => docker([...runArgs(opts(over, extra)), IMAGE, ...args], 600_000);
        const state = (): State => {
            const r = bots(["shell", "python3", "-c", STATE_PY]);
            assert.equal(r.code, 0, r.stdout + r.stderr);
            return JSON.parse(r.stdout.trim().split("\n").at(-1)!) as State;
        };
        const home = envDir(volume, botsenv);
        return { bots, state, home, target, opts, stack };
    }

    for (const engine of ["sqlite", "postgresql", "mysql"] as Engine[]) {
        it(`${engine}: restores every table's rows and every file after an engine run and later changes`, function () {
            const s = setup(engine, "bk-stack");
            assert.equal(s.bots(["init-db"]).code, 0);
            installX12Route(s.opts(), s.home);
            dropX12Order(s.home, "before-backup.x12");
            const run1 = s.bots(["engine", "--new"]);
            assert.equal(run1.code, 0, run1.stdout + run1.stderr);
            const before = s.state();
            assert.ok(before.tables.ta.length > 0, "the engine run left rows in ta");
            assert.ok(Object.keys(before.files).some((f) => f.startsWith("botssys/data/")), "and files in botssys/data");

            const b = s.bots(["backup", "run"]);
            assert.equal(b.code, 0, b.stdout + b.stderr);
            const id = idOf(b.stdout);
            assert.ok(id, b.stdout);
            const manifest = JSON.parse(fs.readFileSync(path.join(s.target, "bk-stack", id!, "manifest.json"), "utf8"));
            assert.equal(manifest.stack, "bk-stack");
            assert.equal(manifest.database.engine, engine);
            assert.equal(manifest.botsVersion, "4.0.0");
            assert.match(manifest.schema.latestBotsMigration, /^bots\.\d{4}_/);
            assert.equal(manifest.imageDigest, `sha256:${"a".repeat(64)}`);
            for (const [name, part] of Object.entries(manifest.parts as Record<string, { sha256: string; size: number }>)) {
                const bytes: Buffer = fs.readFileSync(path.join(s.target, "bk-stack", id!, name));
                assert.equal(crypto.createHash("sha256").update(bytes).digest("hex"), part.sha256, name);
                assert.equal(bytes.length, part.size, name);
            }
            assert.match(b.stdout, engine === "postgresql" ? /pg_dump \(PostgreSQL\) 15/ : engine === "mysql" ? /mariadb-dump/ : /online backup API/);

            // After the backup: another run (new rows and files), a deleted usersys file.
            dropX12Order(s.home, "after-backup.x12");
            assert.equal(s.bots(["engine", "--new"]).code, 0);
            fs.rmSync(path.join(s.home, "usersys", "mappings", "x12", "850_to_csv.py"), { force: true });
            const changed = s.state();
            assert.notDeepEqual(changed, before);

            const r = s.bots(["backup", "restore", "latest"]);
            assert.equal(r.code, 0, r.stdout + r.stderr);
            assert.match(r.stdout, new RegExp(`restore of ${id} complete`));
            const after = s.state();
            assert.deepEqual(after.files, before.files, "file hashes");
            assert.deepEqual(Object.keys(after.tables), Object.keys(before.tables), "the same tables");
            for (const t of Object.keys(before.tables)) {
                assert.deepEqual(after.tables[t], before.tables[t], `rows of ${t}`);
            }
            const list = s.bots(["backup", "list"]);
            assert.match(list.stdout, new RegExp(`${id}\\s+\\S+\\s+\\S+\\s+yes`));
        });
    }

    it("refuses, changing nothing, a damaged backup, another stack's and a newer schema; takes --from-stack", function () {
        const s = setup("sqlite", "bk-a");
        assert.equal(s.bots(["init-db"]).code, 0);
        const good = idOf(s.bots(["backup", "run"]).stdout)!;
        const before = s.state();

        // Damaged: a flipped byte in the files tar.
        const damagedDir = path.join(s.target, "bk-a", "20000101T000000Z");
        fs.cpSync(path.join(s.target, "bk-a", good), damagedDir, { recursive: true });
        const tar = path.join(damagedDir, "files.tar.gz");
        const bytes: Buffer = fs.readFileSync(tar);
        bytes[bytes.length - 10] ^= 0xff;
        fs.writeFileSync(tar, bytes);
        let r = s.bots(["backup", "restore", "20000101T000000Z"]);
        assert.equal(r.code, 2, r.stdout + r.stderr);
        assert.match(r.stdout, /REFUSED: backup 20000101T000000Z is damaged: files.tar.gz has sha256 [0-9a-f]{64}, the manifest says [0-9a-f]{64}; nothing was changed: pick another id from `list`/);
        assert.match(s.bots(["backup", "list"]).stdout, /20000101T000000Z\s+\S+\s+\S+\s+no: /);

        // Another stack's backup, found in this stack's folder.
        const other = setup("sqlite", "bk-b");
        fs.cpSync(path.join(s.target, "bk-a", good), path.join(s.target, "bk-b", good), { recursive: true });
        r = s.bots(["backup", "restore", good], { BACKUP_STACK: "bk-b" });
        assert.equal(r.code, 2, r.stdout + r.stderr);
        assert.match(r.stdout, /REFUSED: backup \d+T\d+Z is of stack 'bk-a', not 'bk-b': to restore it onto bk-b anyway, give --from-stack bk-a/);
        assert.ok(other);

        // A schema newer than the image's Bots: a migration this image does not ship.
        const stamp = "datetime('now')";
        r = s.bots(["shell", "python3", "-c", `import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute("INSERT INTO django_migrations(app,name,applied) VALUES('bots','0099_from_a_newer_bots',${stamp})"); c.commit()`, `/home/bots/.bots/env/bksqlit/botssys/sqlitedb/botsdb-bksqlit`]);
        assert.equal(r.code, 0, r.stdout + r.stderr);
        const newer = idOf(s.bots(["backup", "run"]).stdout)!;
        assert.ok(newer);
        r = s.bots(["shell", "python3", "-c", `import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute("DELETE FROM django_migrations WHERE name='0099_from_a_newer_bots'"); c.commit()`, `/home/bots/.bots/env/bksqlit/botssys/sqlitedb/botsdb-bksqlit`]);
        assert.equal(r.code, 0);
        r = s.bots(["backup", "restore", newer]);
        assert.equal(r.code, 2, r.stdout + r.stderr);
        assert.match(r.stdout, /REFUSED: backup \d+T\d+Z has a newer schema than this image's Bots 4\.0\.0: it applied bots\.0099_from_a_newer_bots, which this image does not have\. Deploy the image it was taken with \(registry\.example\.com\/bots@sha256:a+: pulumi config set imageRef/);
        assert.deepEqual(s.state(), before, "nothing changed by the refusals");

        // --from-stack: restore bk-a's backup onto bk-b (reads bk-a's folder).
        r = s.bots(["backup", "restore", good, "--from-stack", "bk-a"], { BACKUP_STACK: "bk-b" });
        assert.equal(r.code, 0, r.stdout + r.stderr);
    });

    it("encrypts every part with age, restores with the key, refuses without it", function () {
        const s = setup("sqlite", "bk-enc");
        assert.equal(s.bots(["init-db"]).code, 0);
        const keys = makeVolume("backup-key");
        let r = s.bots(["shell", "age-keygen", "-o", "/keys/key.txt"], {}, ["-v", `${keys}:/keys`]);
        assert.equal(r.code, 0, r.stdout + r.stderr);
        const withKey = { BACKUP_ENCRYPTION_KEY_FILE: "/keys/key.txt" };
        r = s.bots(["backup", "run"], withKey, ["-v", `${keys}:/keys:ro`]);
        assert.equal(r.code, 0, r.stdout + r.stderr);
        const id = idOf(r.stdout)!;
        const names = fs.readdirSync(path.join(s.target, "bk-enc", id)).sort();
        assert.deepEqual(names, ["database.sqlite3.age", "files.tar.gz.age", "manifest.json"]);
        assert.ok(fs.readFileSync(path.join(s.target, "bk-enc", id, "files.tar.gz.age")).subarray(0, 21).toString().startsWith("age-encryption.org/v1"));
        r = s.bots(["backup", "restore", id]);
        assert.equal(r.code, 2, r.stdout + r.stderr);
        assert.match(r.stdout, /REFUSED: the backup is encrypted and no key is mounted: set backupEncryptionKey/);
        r = s.bots(["backup", "restore", id], withKey, ["-v", `${keys}:/keys:ro`]);
        assert.equal(r.code, 0, r.stdout + r.stderr);
    });

    it("skips an engine run (the CronJob's and the job queue's) while a backup's marker is up, and runs again after its deadline", function () {
        const s = setup("sqlite", "bk-lock");
        assert.equal(s.bots(["init-db"]).code, 0);
        installX12Route(s.opts(), s.home);
        dropX12Order(s.home, "during-backup.x12");
        const marker = path.join(s.home, ".backup-in-progress");
        fs.writeFileSync(marker, `${Math.floor(Date.now() / 1000) + 600}\n`);
        let r = s.bots(["engine", "--new"]);
        assert.equal(r.code, 0, r.stdout + r.stderr);
        assert.match(r.stderr, /a backup is in progress .*: this engine run is skipped/);
        assert.deepEqual(fs.readdirSync(x12Inbox(s.home)), ["during-backup.x12"], "the file waits in the inbox");
        // The job queue launches /opt/bots/bin/bots-engine (first on PATH) directly.
        r = s.bots(["shell", "bots-engine", "--new"]);
        assert.equal(r.code, 0, r.stdout + r.stderr);
        assert.match(r.stderr, /bots-engine: a backup is in progress .*: this run is skipped/);
        assert.deepEqual(fs.readdirSync(x12Inbox(s.home)), ["during-backup.x12"]);
        fs.writeFileSync(marker, `${Math.floor(Date.now() / 1000) - 1}\n`);
        r = s.bots(["engine", "--new"]);
        assert.equal(r.code, 0, r.stdout + r.stderr);
        assert.doesNotMatch(r.stderr, /backup is in progress/);
        assert.deepEqual(fs.readdirSync(x12Inbox(s.home)), [], "a stale marker stops nothing");
    });
});

// The rollback drill (README, "Rollback"): a newer Bots (this tree plus one migration) migrates the
// schema; going back to the older image means restoring the backup taken before the upgrade. A
// backup taken after it is refused by the older image as a newer schema.
describe("rollback drill: an upgrade that migrates the schema, undone with the backup taken before it", function () {
    this.timeout(1_800_000);
    const NEWER = `${IMAGE}-newer-schema`;
    let tree: string;
    before(function () {
        requireShared(this);
        ensureImage();
        tree = fs.mkdtempSync(path.join("/var/tmp", "bots-newer-tree-"));
        fs.cpSync(BOTS_TREE, tree, { recursive: true });
        fs.writeFileSync(
            path.join(tree, "bots", "migrations", "0004_drill_newer_schema.py"),
            [
                "from django.db import migrations",
                "",
                "",
                "class Migration(migrations.Migration):",
                "    dependencies = [('bots', '0003_merge')]",
                "    operations = [",
                "        migrations.RunSQL('CREATE TABLE drill_newer (id integer PRIMARY KEY)', 'DROP TABLE drill_newer'),",
                "    ]",
                "",
            ].join("\n"),
        );
        must(run("bash", ["scripts/image-build.sh", "--tag", NEWER, "--base-image", BASE_IMAGE, "--bots-source", tree, "--bots-version", "4.0.0"], { timeoutMs: 1_500_000 }), "build the newer image");
    });
    after(() => {
        fs.rmSync(tree, { recursive: true, force: true });
        cleanupAll();
    });

    it("restores the pre-upgrade backup with the older image; refuses the post-upgrade one there", function () {
        const volume = makeVolume("drill");
        const target = makeVolume("drill-target");
        const etc = makeConfigDir(PORTS);
        const opts = {
            volume, etc, extra: ["-v", `${target}:/backups`],
            env: { BOTSENV: "drill", BOTS_DB_ENGINE: "sqlite", DB_NAME: "botsdb-drill", BACKUP_STACK: "drill", BACKUP_TARGET: "claim", BACKUP_ENGINE_GRACE_SECONDS: "1" },
        };
        const bots = (image: string, args: string[]) => docker([...runArgs(opts), image, ...args], 600_000);
        const tables = (image: string) => {
            const r = bots(image, ["shell", "python3", "-c", "from bots_runtime.bootstrap import init_bots\ninit_bots(quiet=True)\nfrom django.db import connection\nprint(sorted(connection.introspection.table_names()))"]);
            assert.equal(r.code, 0, r.stdout + r.stderr);
            return r.stdout.trim().split("\n").at(-1)!;
        };
        assert.equal(bots(IMAGE, ["init-db"]).code, 0);
        const before = idOf(bots(IMAGE, ["backup", "run"]).stdout)!;
        const older = tables(IMAGE);

        let r = bots(NEWER, ["init-db"]);
        assert.equal(r.code, 0, r.stdout + r.stderr);
        assert.match(tables(NEWER), /'drill_newer'/, "the newer Bots migrated the schema");
        const after = idOf(bots(NEWER, ["backup", "run"]).stdout)!;
        assert.ok(before && after && after > before);

        // Back to the older image: its backup of the newer schema is refused, the earlier one restores.
        r = bots(IMAGE, ["backup", "restore", after]);
        assert.equal(r.code, 2, r.stdout + r.stderr);
        assert.match(r.stdout, /has a newer schema than this image's Bots 4\.0\.0: it applied bots\.0004_drill_newer_schema/);
        r = bots(IMAGE, ["backup", "restore", before]);
        assert.equal(r.code, 0, r.stdout + r.stderr);
        assert.equal(bots(IMAGE, ["init-db"]).code, 0);
        assert.equal(tables(IMAGE), older, "the older schema, exactly");
    });
});
