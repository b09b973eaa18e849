// Type-checks a TypeScript project (a directory with a tsconfig.json) inside the test process with
// the compiler API, where spawning tsc would parse the @pulumi/* declaration files again for each
// check. Parsed files are shared by every check of the run, and a check reports the diagnostics of
// the project's own files (its tsconfig's files): the whole program is type-checked by
// `tsc -p <dir> --noEmit` in `npm run lint`.
import * as fs from "fs";
import * as path from "path";
import * as ts from "typescript";

const REPO = path.resolve(__dirname, "..", "..");
const parsedFiles = new Map<string, ts.SourceFile>();

export interface TypeCheckResult {
    program: ts.Program;
    /** "path relative to the repository: message", one per diagnostic of the project's own files. */
    errors: string[];
}

export interface TypeCheckOptions {
    /** Compile with this file's text edited (the file itself is left alone). */
    edit?: { file: string; change: (text: string) => string };
    /** An earlier program of the same project, whose structure the compiler reuses. */
    old?: ts.Program;
    /** Report only these files' diagnostics (default: the project's files). */
    only?: string[];
}

export function typeCheck(projectDir: string, opts: TypeCheckOptions = {}): TypeCheckResult {
    const configPath = path.join(projectDir, "tsconfig.json");
    const read = ts.readConfigFile(configPath, ts.sys.readFile);
    const parsed = ts.parseJsonConfigFileContent(read.config, ts.sys, projectDir);
    const host = ts.createCompilerHost(parsed.options);
    const getSourceFile = host.getSourceFile;
    const edited = opts.edit && path.resolve(opts.edit.file);
    host.getSourceFile = (file, lang, onError) => {
        if (edited && path.resolve(file) === edited) {
            return ts.createSourceFile(file, opts.edit!.change(fs.readFileSync(edited, "utf8")), lang);
        }
        const version = typeof lang === "object" ? `${lang.languageVersion}/${lang.impliedNodeFormat}` : String(lang);
        const key = `${version}:${file}`;
        let sf = parsedFiles.get(key);
        if (!sf) {
            sf = getSourceFile.call(host, file, lang, onError);
            if (sf) {
                parsedFiles.set(key, sf);
            }
        }
        return sf;
    };
    const program = ts.createProgram({ rootNames: parsed.fileNames, options: parsed.options, host, oldProgram: opts.old });
    const own = (opts.only ?? parsed.fileNames).map((f) => {
        const sf = program.getSourceFile(path.resolve(f));
        if (!sf) {
            throw new Error(`${f} is not part of ${configPath}`);
        }
        return sf;
    });
    const diagnostics = [
        ...read.error ? [read.error] : [],
        ...parsed.errors,
        ...program.getOptionsDiagnostics(),
        ...program.getGlobalDiagnostics(),
        ...own.flatMap((sf) => [...program.getSyntacticDiagnostics(sf), ...program.getSemanticDiagnostics(sf)]),
    ];
    const errors = diagnostics.map((d) => `${d.file ? path.relative(REPO, d.file.fileName) : ""}: ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`);
    return { program, errors };
}
