import { config } from 'zod';

// Each command parses its config and files once: zod's JIT compiles a parser per object schema
// (new Function) that costs more than the one parse it speeds up. Every schema module imports zod
// from here, so the setting is in place before any schema is built, and a command that parses
// nothing (a quiet run with its config cached) does not load zod at all.
config({ jitless: true });

export * from 'zod';
