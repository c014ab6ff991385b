// Unit tests of vwsh's command-line reading: virsh's tokenizer and option parser, checked against virsh 9.0's behaviour.
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../src/commands/command-table.js';
import { parseCommandChain } from '../src/shell/command-parser.js';
import { tokenizeArgv, tokenizeCommandString, type CommandToken } from '../src/shell/command-tokens.js';
import { CommandLineError } from '../src/shell/shell-errors.js';

const words = (input: string) => [...tokenizeCommandString(input)].map((t: CommandToken) => (t.kind === 'word' ? t.text : ';'));
const parse = (input: string) =>
  parseCommandChain(tokenizeCommandString(input), COMMANDS).map((c) => [
    c.definition.name,
    ...c.options.given.map((g) => `${g.definition.name}=${g.value ?? ''}`),
  ]);
const syntaxError = (input: string) => {
  try {
    parseCommandChain(tokenizeCommandString(input), COMMANDS);
  } catch (error) {
    if (error instanceof CommandLineError) return error.lines;
    throw error;
  }
  throw new Error(`parsed: ${input}`);
};

describe('tokenizeCommandString', () => {
  it('splits words at blanks and commands at ; and newlines', () => {
    expect(words('list --all;snapshot-list  test\tx\nfoo')).toEqual(['list', '--all', ';', 'snapshot-list', 'test', 'x', ';', 'foo']);
  });

  it('quotes as virsh: \'...\' literally (even unterminated), "..." and \\ with escapes', () => {
    expect(words(`a 'b"c' "d\\"e" f\\ g 'h\\i' ab'cd'ef 'open`)).toEqual(['a', 'b"c', 'd"e', 'f g', 'h\\i', 'abcdef', 'open']);
    expect(words('"a;b" c')).toEqual(['a;b', 'c']);
  });

  it('treats a word starting with # as a comment to the end of the line, but not # inside a word', () => {
    expect(words('a s#1 # b ; c\nd')).toEqual(['a', 's#1', ';', 'd']);
  });

  it('raises virsh errors for an open double quote and a dangling backslash', () => {
    expect(() => words('list "a')).toThrow('missing "');
    expect(() => words('list \\')).toThrow('dangling \\');
  });

  it('takes argv words as they are: no quotes, no ; splitting', () => {
    expect([...tokenizeArgv(['a b', 'c;d', "'e'"])].map((t) => (t.kind === 'word' ? t.text : ';'))).toEqual(['a b', 'c;d', "'e'"]);
  });
});

describe('parseCommandChain', () => {
  it('fills positional options in declaration order, skipping the named ones and named-only memspec', () => {
    expect(parse('snapshot-create-as test n d vda vdb')).toEqual([
      ['snapshot-create-as', 'domain=test', 'name=n', 'description=d', 'diskspec=vda', 'diskspec=vdb'],
    ]);
    expect(parse('snapshot-create-as --diskspec vda --diskspec vdb x')).toEqual([['snapshot-create-as', 'diskspec=vda', 'diskspec=vdb', 'domain=x']]);
    expect(parse('snapshot-create-as --name=n test --memspec /m d')).toEqual([['snapshot-create-as', 'name=n', 'domain=test', 'memspec=/m', 'description=d']]);
  });

  it('takes the next word as a value even when it looks like an option, and data after --', () => {
    expect(parse('snapshot-create-as test --name --halt')).toEqual([['snapshot-create-as', 'domain=test', 'name=--halt']]);
    expect(parse('snapshot-list test -- --tree')).toEqual([['snapshot-list', 'domain=test', 'from=--tree']]);
    expect(parse('snapshot-create-as test ---x -y')).toEqual([['snapshot-create-as', 'domain=test', 'name=---x', 'description=-y']]);
  });

  it('turns --help into help COMMAND, and skips empty commands', () => {
    expect(parse(';; snapshot-list --help ;')).toEqual([['help', 'command=snapshot-list']]);
  });

  it('reports virsh syntax errors, and every missing required option', () => {
    expect(syntaxError('list; foo')).toEqual(["unknown command: 'foo'"]);
    expect(syntaxError('snapshot-list test --bogus')).toEqual(["command 'snapshot-list' doesn't support option --bogus"]);
    expect(syntaxError('snapshot-create-as test --name x --name y')).toEqual(['option --name already seen']);
    expect(syntaxError('snapshot-list test --tree --tree')).toEqual(['option --tree already seen']);
    expect(syntaxError('snapshot-list test --from')).toEqual(['expected syntax: --from <string>']);
    expect(syntaxError('snapshot-list test --from ; list')).toEqual(['expected syntax: --from <string>']);
    expect(syntaxError('snapshot-list test --tree=1')).toEqual(["invalid '=' after option --tree"]);
    expect(syntaxError('domstate test x')).toEqual(["unexpected data 'x'"]);
    expect(syntaxError('snapshot-dumpxml')).toEqual([
      "command 'snapshot-dumpxml' requires <domain> option",
      "command 'snapshot-dumpxml' requires <snapshotname> option",
    ]);
  });

  it('reports the first error in input order, before a later quoting error', () => {
    expect(syntaxError('list --bogus "a')).toEqual(["command 'list' doesn't support option --bogus"]);
  });
});
