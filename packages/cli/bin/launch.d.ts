export declare const SAMSA_BIN: URL;
export declare function launchOptions(): { env: Record<string, string>; nodeArgs: string[] };
