export declare const SAMSA_BIN: URL;
export declare function launchOptions(): { env: Record<string, string>; unset: string[]; nodeArgs: string[] };
export declare function launchEnv(base?: NodeJS.ProcessEnv): NodeJS.ProcessEnv;
