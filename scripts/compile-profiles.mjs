// Build step after tsc: stores the built-in audit profiles, parsed and validated, as JSON next
// to their compiled module, so a profile run does not spend its time parsing YAML.
import { writeFileSync } from 'node:fs';
import { compileBuiltinProfiles, COMPILED_PROFILES_FILE } from '../dist/audit/profiles/index.js';

const target = new URL(`../dist/audit/profiles/${COMPILED_PROFILES_FILE}`, import.meta.url);
writeFileSync(target, await compileBuiltinProfiles());
