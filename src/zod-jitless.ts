import { config } from 'zod';

// Each command parses its config and files once: zod's JIT compiles a parser per object schema
// (new Function) that costs more than the one parse it speeds up. Set before any schema is built.
config({ jitless: true });
