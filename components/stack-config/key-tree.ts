import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";

// The form the config schema is written in: a tree of groups whose leaves are stack config keys. A
// leaf names the flat key operators write and holds its zod schema (type, default, rule, doc); the
// group it sits in is where its value lands in AppConfig. From the one tree follow the flat object
// the stack config is validated with (and so RawConfig and the docs), the secret keys, and the nested
// value toAppConfig starts from, with its type.

const LEAF = Symbol("config-tree-leaf");

/** A plain key: the flat name operators write and its schema. */
export interface Key<N extends string = string, S extends z.ZodType = z.ZodType, U extends boolean = boolean> {
    readonly [LEAF]: "key";
    readonly name: N;
    readonly schema: S;
    /** An empty string means unset: the nested value is undefined. */
    readonly emptyIsUnset: U;
}

/** A credential: set only with `pulumi config set --secret`, optional, a Pulumi secret in AppConfig. */
export interface Secret<N extends string = string> {
    readonly [LEAF]: "secret";
    readonly name: N;
    readonly description: string;
}

/** A group present in AppConfig only while its switch, a boolean key, is true. */
export interface When<W extends Key = Key, G extends Group = Group> {
    readonly [LEAF]: "when";
    readonly switch: W;
    readonly group: G;
}

export type Node = Key | Secret | When | Group;
export interface Group {
    readonly [field: string]: Node;
}

export const key = <N extends string, S extends z.ZodType>(name: N, schema: S): Key<N, S, false> => ({ [LEAF]: "key", name, schema, emptyIsUnset: false });

/** A string key whose empty value (often its default) means "not set": undefined in AppConfig. */
export const keyOrUnset = <N extends string, S extends z.ZodType<string>>(name: N, schema: S): Key<N, S, true> => ({
    [LEAF]: "key",
    name,
    schema,
    emptyIsUnset: true,
});

export const secret = <N extends string>(name: N, description: string): Secret<N> => ({ [LEAF]: "secret", name, description });

export const when = <W extends Key, G extends Group>(switchKey: W, group: G): When<W, G> => ({
    [LEAF]: "when",
    switch: switchKey,
    group,
});

// ---- What follows from a tree, as types ----

type Optional<T> = T extends Key<string, z.ZodType, true> | Secret | When ? true : false;

type Value<T> = T extends Key<string, infer S, infer U>
    ? U extends true
        ? z.output<S> | undefined
        : z.output<S>
    : T extends Secret
      ? pulumi.Output<string> | undefined
      : T extends When<Key, infer G>
        ? Nested<G> | undefined
        : T extends Group
          ? Nested<T>
          : never;

/** The value a tree builds: each group an object, each key its parsed value, optional fields optional. */
export type Nested<G> = {
    [F in keyof G as Optional<G[F]> extends true ? never : F]: Value<G[F]>;
} & {
    [F in keyof G as Optional<G[F]> extends true ? F : never]?: Value<G[F]>;
} extends infer O
    ? { [F in keyof O]: O[F] }
    : never;

/** Every leaf of a tree (switches included). */
type LeafOf<T> = T extends Key | Secret ? T : T extends When<infer W, infer G> ? W | LeafOf<G> : T extends Group ? { [F in keyof T]: LeafOf<T[F]> }[keyof T] : never;

/** The flat zod shape: each plain key's name and schema. */
export type FlatShape<T> = { [L in Extract<LeafOf<T>, Key> as L["name"]]: L["schema"] };

/** The names of a tree's secret keys. */
export type SecretName<T> = Extract<LeafOf<T>, Secret>["name"];

// ---- ... and as values ----

const isLeaf = (n: Node): n is Key | Secret | When => LEAF in n;

/** The leaves in tree order: a switch before its group, fields in the order they are written. */
export function leaves(node: Node): (Key | Secret)[] {
    if (!isLeaf(node)) {
        return Object.values(node).flatMap(leaves);
    }
    switch (node[LEAF]) {
        case "key":
        case "secret":
            return [node];
        case "when":
            return [node.switch, ...leaves(node.group)];
    }
}

/** The flat zod shape of a tree's plain keys, in tree order (the docs' order). */
export function flatShape<T extends Group>(tree: T): FlatShape<T> {
    const shape: Record<string, z.ZodType> = {};
    for (const leaf of leaves(tree)) {
        if (leaf[LEAF] === "key") {
            if (leaf.name in shape) {
                throw new Error(`config key ${leaf.name} is written twice in the schema`);
            }
            shape[leaf.name] = leaf.schema;
        }
    }
    return shape as FlatShape<T>;
}

/** The secret keys of a tree with their descriptions, in tree order. */
export function secretDocs<T extends Group>(tree: T): Record<SecretName<T>, string> {
    const docs: Record<string, string> = {};
    for (const leaf of leaves(tree)) {
        if (leaf[LEAF] === "secret") {
            docs[leaf.name] = leaf.description;
        }
    }
    return docs as Record<SecretName<T>, string>;
}

/**
 * The nested value of a tree from the validated flat config and the secret values: each key's
 * value at its place (undefined for an empty keyOrUnset), each secret given as a Pulumi secret
 * (undefined when unset), each switched group only while its switch is true.
 */
export function nestedValue<T extends Group>(tree: T, flat: Readonly<Record<string, unknown>>, secrets: Readonly<Record<string, string | undefined>>): Nested<T> {
    const build = (node: Node): unknown => {
        if (!isLeaf(node)) {
            return Object.fromEntries(Object.entries(node).map(([field, child]) => [field, build(child)]));
        }
        switch (node[LEAF]) {
            case "key":
                return node.emptyIsUnset && flat[node.name] === "" ? undefined : flat[node.name];
            case "secret": {
                const value = secrets[node.name];
                return value === undefined ? undefined : pulumi.secret(value);
            }
            case "when":
                return flat[node.switch.name] === true ? build(node.group) : undefined;
        }
    };
    return build(tree) as Nested<T>;
}
