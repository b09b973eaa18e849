// The unit tier's TypeScript loader: ts-node, transpile only. ts-node maps every stack trace
// through its source maps, and the Pulumi SDK formats a stack for each promise and resource it
// creates (`new Error().stack`, no message): under mocks that mapping was a third of the tier's
// CPU. Those message-less stacks get V8's plain format; every error with a message (assertion
// failures, thrown errors) keeps its stack mapped to the TypeScript lines.
"use strict";
require("ts-node/register/transpile-only");

const mapped = Error.prepareStackTrace;
Error.prepareStackTrace = (error, frames) =>
    error instanceof Error && error.message === "" && error.name === "Error"
        ? `Error\n${frames.map((f) => `    at ${f}`).join("\n")}`
        : mapped(error, frames);
