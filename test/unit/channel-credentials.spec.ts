import * as assert from "assert";
import * as crypto from "crypto";
import { CHANNEL_CREDENTIALS_ENV, CHANNEL_SECRETS_MOUNT } from "../../components/image/runtime-contract";
import { assertRefused } from "../support/bad-config";
import { StackRun, T, one, ofType, podSpecs, runStack } from "../support/harness";
import { reveal } from "../support/values";
import { botsTree, pluginDir } from "./fixtures";

// botsChannelCredentials: channel ids of the baked plugins -> secrets, written by the init Job.

const tree = botsTree("4.0.0");
const plugin = pluginDir("partners", ["partner_in"], {}, [
    { id: "partner_sftp", type: "sftp" },
    { id: "partner_file", type: "file" },
]);
const base = { botsSource: "context", botsSourceDir: tree, botsPlugins: JSON.stringify([plugin]) };
const rsaKey = crypto.generateKeyPairSync("rsa", { modulusLength: 1024, privateKeyEncoding: { type: "pkcs1", format: "pem" }, publicKeyEncoding: { type: "spki", format: "pem" } }).privateKey;
const PASSWORD = "s3cret-partner-password";

const withCredentials = (creds: unknown, set: Record<string, string> = {}) =>
    runStack({ stack: "dev", set: { ...base, ...set }, secrets: { botsChannelCredentials: JSON.stringify(creds) } });

const channelSecret = (run: StackRun) => ofType(run, T.secret).find((s) => String(s.inputs.metadata.name).startsWith("bots-channel-credentials-"));
const jobName = (run: StackRun) => one(run, T.job).inputs.metadata.name as string;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const channelVolume = (spec: any) => spec.volumes.find((v: { name: string }) => v.name === "channel-secrets");

describe("channel credentials from the stack's secrets (botsChannelCredentials)", () => {
    it("puts them in one Secret named by a keyed digest, all of it secret", async () => {
        const run = await withCredentials({ partner_sftp: { password: "key-passphrase", privateKey: rsaKey }, partner_file: { password: PASSWORD } });
        const secret = channelSecret(run)!;
        assert.match(secret.inputs.metadata.name, /^bots-channel-credentials-[a-f0-9]{10}$/);
        const data = reveal(secret.inputs.stringData);
        assert.notStrictEqual(data, secret.inputs.stringData, "stringData must be a secret");
        assert.deepStrictEqual(JSON.parse(data["credentials.json"]), {
            partner_file: { password: PASSWORD },
            partner_sftp: { password: "key-passphrase", keyfile: `${CHANNEL_SECRETS_MOUNT}/channel-partner_sftp.key` },
        });
        assert.strictEqual(data["channel-partner_sftp.key"], rsaKey.endsWith("\n") ? rsaKey : `${rsaKey}\n`);
        const name = secret.inputs.metadata.name as string;
        const digest = crypto.createHash("sha256").update(JSON.stringify({ partner_file: { password: PASSWORD } })).digest("hex");
        assert.ok(!digest.startsWith(name.slice(-10)), "the name is keyed, not a plain digest of the credentials");
    });

    it("mounts credentials.json in the init Job only, and only the key files where the engine runs", async () => {
        const run = await withCredentials({ partner_sftp: { password: "key-passphrase", privateKey: rsaKey }, partner_file: { password: PASSWORD } });
        const name = channelSecret(run)!.inputs.metadata.name;
        for (const { owner, spec } of podSpecs(run)) {
            const volume = channelVolume(spec);
            assert.ok(volume, `${owner} mounts no channel secrets`);
            assert.strictEqual(volume.secret.secretName, name);
            const keys = volume.secret.items.map((i: { key: string }) => i.key);
            const env = spec.containers[0].env.filter((e: { name: string }) => e.name === CHANNEL_CREDENTIALS_ENV);
            if (owner === "db-init") {
                assert.deepStrictEqual(keys, ["credentials.json"]);
                assert.deepStrictEqual(env, [{ name: CHANNEL_CREDENTIALS_ENV, value: `${CHANNEL_SECRETS_MOUNT}/credentials.json` }]);
            } else {
                assert.deepStrictEqual(keys, ["channel-partner_sftp.key"], owner);
                assert.deepStrictEqual(env, [], owner);
            }
            for (const c of spec.containers) {
                assert.ok(c.volumeMounts.some((m: { name: string; readOnly: boolean; mountPath: string }) => m.name === "channel-secrets" && m.readOnly && m.mountPath === CHANNEL_SECRETS_MOUNT), `${owner}/${c.name}`);
            }
        }
        assert.ok(!JSON.stringify(run.outputs).includes(PASSWORD));
    });

    it("passwords alone: only the init Job mounts them", async () => {
        const run = await withCredentials({ partner_file: { password: PASSWORD } });
        for (const { owner, spec } of podSpecs(run)) {
            assert.strictEqual(channelVolume(spec) !== undefined, owner === "db-init", owner);
        }
    });

    it("a rotation renames the Secret and the init Job; the same credentials keep both", async () => {
        const first = await withCredentials({ partner_file: { password: PASSWORD } });
        const again = await withCredentials({ partner_file: { password: PASSWORD } });
        const rotated = await withCredentials({ partner_file: { password: `${PASSWORD}-2` } });
        assert.strictEqual(channelSecret(again)!.inputs.metadata.name, channelSecret(first)!.inputs.metadata.name);
        assert.strictEqual(jobName(again), jobName(first));
        assert.notStrictEqual(channelSecret(rotated)!.inputs.metadata.name, channelSecret(first)!.inputs.metadata.name);
        assert.notStrictEqual(jobName(rotated), jobName(first));
        assert.ok(!jobName(rotated).includes(PASSWORD));
    });

    it("without it, no channel Secret, volume or variable, and the init Job keeps its name", async () => {
        const without = await runStack({ stack: "dev", set: base });
        const empty = await withCredentials({});
        assert.strictEqual(channelSecret(without), undefined);
        assert.strictEqual(channelSecret(empty), undefined);
        assert.strictEqual(jobName(empty), jobName(without));
        for (const { spec } of podSpecs(without)) {
            assert.strictEqual(channelVolume(spec), undefined);
        }
    });

    it("a stack running an existing image (prod) cannot see its plugins: the ids are left to the init Job", async () => {
        const run = await runStack({ stack: "prod", secrets: { botsChannelCredentials: JSON.stringify({ partner_sftp: { password: PASSWORD } }) } });
        const data = reveal(channelSecret(run)!.inputs.stringData);
        assert.deepStrictEqual(JSON.parse(data["credentials.json"]), { partner_sftp: { password: PASSWORD } });
    });

    it("the Secret exists before the init Job and the workloads", async () => {
        const run = await withCredentials({ partner_file: { password: PASSWORD } });
        const secretName = channelSecret(run)!.name;
        const job = one(run, T.job).name;
        assert.ok(run.options.get(`${T.job}::${job}`)!.dependsOn.includes(secretName));
        for (const d of ofType(run, T.deployment)) {
            assert.ok(run.options.get(`${T.deployment}::${d.name}`)!.dependsOn.includes(secretName), d.name);
        }
        assert.strictEqual(run.options.get(`${T.secret}::${secretName}`)!.deleteBeforeReplace, true);
    });

    describe("refused before anything is created, naming the channel, never a value", () => {
        const cases: { what: string; creds: unknown; expect: string[]; set?: Record<string, string> }[] = [
            {
                what: "a channel id none of the plugins defines",
                creds: { partner_ftp: { password: PASSWORD } },
                expect: ['channel "partner_ftp" is in none of the plugins\' channels', "partner_file (file, partners)", "partner_sftp (sftp, partners)"],
            },
            { what: "an unknown field", creds: { partner_file: { passwd: PASSWORD } }, expect: ['channel "partner_file": unknown field "passwd"', "password, privateKey"] },
            { what: "an empty entry", creds: { partner_file: {} }, expect: ['channel "partner_file": must set password and/or privateKey'] },
            { what: "a private key on a file channel", creds: { partner_file: { privateKey: rsaKey } }, expect: ["privateKey is read by sftp channels only", "type file"] },
            { what: "a private key that is not PEM RSA", creds: { partner_sftp: { privateKey: "not a key" } }, expect: ["must be a PEM RSA private key"] },
            { what: "not an object", creds: ["partner_file"], expect: ["must be an object of channel ids"] },
            { what: "a built image without plugins to check against", creds: { partner_file: { password: PASSWORD } }, set: { botsPlugins: "[]" }, expect: ["needs botsPlugins"] },
        ];
        for (const c of cases) {
            it(c.what, async () => {
                await assertRefused({
                    what: c.what,
                    set: { ...base, ...(c.set ?? {}) },
                    secrets: { botsChannelCredentials: JSON.stringify(c.creds) },
                    key: "botsChannelCredentials",
                    expect: ["(secret)", ...c.expect],
                });
                try {
                    await withCredentials(c.creds, c.set);
                } catch (e) {
                    assert.ok(!String(e).includes(PASSWORD) && !String(e).includes(rsaKey.split("\n")[1]), "a value is shown");
                }
            });
        }

        it("stored in plain text", async () => {
            await assertRefused({
                what: "plain",
                set: { ...base, botsChannelCredentials: JSON.stringify({ partner_file: { password: PASSWORD } }) },
                key: "botsChannelCredentials",
                expect: ["must be stored as a secret"],
            });
        });
    });
});
