import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compress } from '../../src/engine/compress';
import { detectKind } from '../../src/engine/detect';
import { MemorySink } from '../helpers/memory-sink';
import { assertInvariants } from '../helpers/invariants';

const id = (i: number) => ((i * 2654435761) >>> 0).toString(36).slice(0, 5);

function pods(allNamespaces = false): { input: string; odd: string[] } {
  const head = `${allNamespaces ? 'NAMESPACE     ' : ''}NAME                                        READY   STATUS             RESTARTS         AGE`;
  const L = [head];
  const odd: string[] = [];
  const apps = ['api', 'web', 'worker', 'billing', 'search', 'gateway'];
  for (let i = 0; i < 300; i++) {
    let [ready, status, restarts] = ['1/1', 'Running', '0'];
    if (i === 41) [ready, status, restarts] = ['0/1', 'CrashLoopBackOff', '17 (2m14s ago)'];
    if (i === 130) [ready, status, restarts] = ['0/1', 'OOMKilled', '5 (40s ago)'];
    if (i === 222) [ready, status, restarts] = ['0/1', 'Error', '1 (3m ago)'];
    if (i === 250) [ready, status] = ['1/2', 'Running'];
    if (i === 260) [ready, status] = ['0/1', 'Pending'];
    if (i % 50 === 7) [ready, status] = ['0/1', 'Completed'];
    const ns = allNamespaces ? (i % 3 ? 'prod' : 'staging').padEnd(14) : '';
    const row = `${ns}${`${apps[i % apps.length]}-deployment-7f9c8d${i % 7}b4-${id(i)}`.padEnd(44)}${ready.padEnd(8)}${status.padEnd(19)}${restarts.padEnd(17)}${(i % 20) + 1}d`;
    if ([41, 130, 222, 250, 260].includes(i)) odd.push(row);
    L.push(row);
  }
  return { input: L.join('\n') + '\n', odd };
}

for (const all of [false, true]) {
  test(`kubectl get pods${all ? ' -A' : ''}: keeps the header and every pod not Running/Completed or not ready, folds the rest`, () => {
    const { input, odd } = pods(all);
    assert.equal(detectKind(input), 'table');
    const sink = new MemorySink();
    const r = compress(input, { store: sink, countTokens: false });
    assert.equal(r.report.strategy, 'kubectl-status');
    assert.ok(r.text.startsWith(input.slice(0, input.indexOf('\n') + 1)), 'header kept');
    for (const row of odd) assert.ok(r.text.includes(row + '\n'), `${row} kept`);
    assert.ok(r.text.length < input.length * 0.1, `saved enough: ${r.text.length}/${input.length}`);
    assert.match(r.text, /\[… \d+ rows omitted: \d+ Running, \d+ Completed; hash=[0-9a-f]{24}\]/);
    assertInvariants(input, r.text, sink);
  });
}

test('kubectl get pods: the pod the question names is kept', () => {
  const { input } = pods();
  const name = input.split('\n')[100].split(' ')[0];
  const r = compress(input, { store: new MemorySink(), countTokens: false, query: `why is ${name} slow?` });
  assert.ok(r.text.includes(name));
});

function plan(): string {
  const L = ['aws_s3_bucket.logs: Refreshing state... [id=acme-logs]'];
  for (let i = 0; i < 150; i++) L.push(`aws_iam_role_policy.svc_${i}: Refreshing state... [id=svc-${i}:policy-${id(i)}]`);
  L.push('data.aws_caller_identity.current: Reading...', 'data.aws_caller_identity.current: Read complete after 0s [id=123456789012]');
  L.push('', 'Terraform used the selected providers to generate the following execution plan. Resource actions are', 'indicated with the following symbols:', '  + create', '  ~ update in-place', '  - destroy', '-/+ destroy and then create replacement', '', 'Terraform will perform the following actions:', '');
  for (let i = 0; i < 6; i++) {
    L.push(`  # aws_cloudwatch_log_group.svc_${i} will be created`, `  + resource "aws_cloudwatch_log_group" "svc_${i}" {`);
    for (const a of ['arn', 'id', 'name', 'retention_in_days', 'skip_destroy', 'tags_all']) L.push(`      + ${a.padEnd(17)} = (known after apply)`);
    L.push('    }', '');
  }
  L.push('  # aws_db_instance.main will be destroyed', '  # (because aws_db_instance.main is not in configuration)', '  - resource "aws_db_instance" "main" {', '      - allocated_storage = 100 -> null', '      - identifier        = "prod-main" -> null', '    }', '');
  L.push('  # aws_instance.bastion must be replaced', '-/+ resource "aws_instance" "bastion" {', '      ~ ami                          = "ami-0aa" -> "ami-0bb" # forces replacement', '      ~ id                           = "i-0123" -> (known after apply)', '        # (20 unchanged attributes hidden)', '    }', '');
  L.push('  # aws_security_group.web will be updated in-place', '  ~ resource "aws_security_group" "web" {', '        id     = "sg-0a1b2c"', '      ~ ingress = [', '          + { cidr_blocks = ["0.0.0.0/0"], from_port = 22, to_port = 22 },', '        ]', '        # (6 unchanged attributes hidden)', '    }', '');
  L.push('Plan: 6 to add, 1 to change, 2 to destroy.');
  return L.join('\n') + '\n';
}

test('terraform plan: refresh lines and created attributes fold; every destroy, replacement and change stays whole', () => {
  const input = plan();
  assert.equal(detectKind(input), 'build');
  const sink = new MemorySink();
  const r = compress(input, { store: sink, countTokens: false });
  assert.equal(r.report.strategy, 'terraform-plan');
  const whole = (from: string, to: string) => input.slice(input.indexOf(from), input.indexOf(to, input.indexOf(from)) + to.length);
  for (const block of [
    whole('  # aws_db_instance.main will be destroyed', '\n    }\n'),
    whole('  # aws_instance.bastion must be replaced', '\n    }\n'),
    whole('  # aws_security_group.web will be updated in-place', '\n    }\n'),
  ]) assert.ok(r.text.includes(block), `block kept whole: ${block.split('\n')[0]}`);
  for (let i = 0; i < 6; i++) assert.ok(r.text.includes(`  # aws_cloudwatch_log_group.svc_${i} will be created\n  + resource "aws_cloudwatch_log_group" "svc_${i}" {\n`));
  assert.ok(r.text.includes('Plan: 6 to add, 1 to change, 2 to destroy.\n'));
  assert.ok(!r.text.includes('svc_77: Refreshing'), 'refresh lines fold');
  assert.ok(r.text.length < input.length * 0.25, `saved enough: ${r.text.length}/${input.length}`);
  assertInvariants(input, r.text, sink);
});

test('terraform plan: a resource the question names keeps its refresh line and attributes', () => {
  const input = plan();
  const r = compress(input, { store: new MemorySink(), countTokens: false, query: 'what will aws_cloudwatch_log_group.svc_3 look like, and svc_77?' });
  assert.ok(r.text.includes('      + retention_in_days = (known after apply)\n'));
  assert.ok(r.text.includes('aws_iam_role_policy.svc_77: Refreshing state'));
});
