// Build step (`npm run build`): stores specs/rules.yaml as JSON beside the compiled catalogue,
// so runs skip the YAML parser (see loadRules).
import { compileRules } from './rules.js';

process.stdout.write(`rules compiled to ${compileRules()}\n`);
