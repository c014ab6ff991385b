// `virtwired token add|list|remove`: manage the hashed bearer tokens of the TCP listeners.
import { Command, InvalidArgumentError } from 'commander';
import { generateToken, isTokenName, tokenEntry, type TokenRole } from './token-format.js';
import { readTokenFile, writeTokenFile } from './token-file-store.js';

function parseRole(value: string): TokenRole {
  if (value !== 'ro' && value !== 'rw') throw new InvalidArgumentError("expected 'ro' or 'rw'");
  return value;
}

function parseName(value: string): string {
  if (!isTokenName(value)) throw new InvalidArgumentError('use 1-64 of A-Z a-z 0-9 . _ @ -');
  return value;
}

/** The `token` subcommand; `defaultTokenFile` is where the daemon reads tokens unless told otherwise. */
export function tokenCommand(defaultTokenFile: string): Command {
  const command = new Command('token')
    .description('manage bearer tokens for TCP listeners (the file keeps only their SHA-256)')
    .option('--token-file <file>', 'token file', defaultTokenFile);
  const file = () => command.opts<{ tokenFile: string }>().tokenFile;

  command
    .command('add')
    .description('create a token, store its hash, and print the token once')
    .requiredOption('--name <name>', 'who holds it (unique)', parseName)
    .requiredOption('--role <role>', "'ro' (read methods only) or 'rw'", parseRole)
    .action(async ({ name, role }: { name: string; role: TokenRole }) => {
      const entries = await readTokenFile(file());
      if (entries.some((e) => e.name === name)) throw new Error(`a token named '${name}' already exists in ${file()}`);
      const token = generateToken();
      await writeTokenFile(file(), [...entries, tokenEntry(token, role, name)]);
      process.stdout.write(`${token}\n`);
      process.stderr.write(`token '${name}' (${role}) added to ${file()}; it is shown only now\n`);
    });

  command
    .command('list')
    .description('list token names and roles')
    .action(async () => {
      for (const entry of await readTokenFile(file())) process.stdout.write(`${entry.name} ${entry.role}\n`);
    });

  command
    .command('remove')
    .description('revoke a token by name: new connections with it are refused at once, open ones are closed (1008 token revoked) at the next heartbeat')
    .argument('<name>', 'token name', parseName)
    .action(async (name: string) => {
      const entries = await readTokenFile(file());
      if (!entries.some((e) => e.name === name)) throw new Error(`no token named '${name}' in ${file()}`);
      await writeTokenFile(
        file(),
        entries.filter((e) => e.name !== name),
      );
      process.stderr.write(`token '${name}' removed from ${file()}\n`);
    });
  return command;
}
