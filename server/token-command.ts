import { parseArgs } from 'node:util';
import { signToken } from './auth/jwt.js';
import { ROLES, type Role } from './auth/principal.js';
import { loadConfig } from './config.js';

/** `npm run --silent token -- --sub ID --dept CODE --roles r1,r2 [--ttl 1h]`: prints one token only. */
function main(): void {
  const { values } = parseArgs({
    options: {
      sub: { type: 'string' },
      dept: { type: 'string' },
      roles: { type: 'string', default: 'analyst' },
      ttl: { type: 'string', default: '1h' },
    },
  });
  if (!values.sub || !values.dept) {
    process.stderr.write('usage: npm run --silent token -- --sub ID --dept CODE --roles r1,r2 [--ttl 1h]\n');
    process.exit(2);
  }
  const roles = values.roles.split(',').map((r) => r.trim().toLowerCase()).filter(Boolean);
  const unknown = roles.filter((r) => !(ROLES as readonly string[]).includes(r));
  if (unknown.length > 0) {
    process.stderr.write(`unknown role(s): ${unknown.join(', ')}; roles are ${ROLES.join(', ')}\n`);
    process.exit(2);
  }
  const config = loadConfig();
  const ttl = /^\d+$/.test(values.ttl) ? Number(values.ttl) : values.ttl;
  process.stdout.write(`${signToken({ id: values.sub, department: values.dept, roles: roles as Role[] }, config.jwt, ttl)}\n`);
}

main();
