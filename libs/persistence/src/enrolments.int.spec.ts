import { randomUUID } from 'node:crypto';
import { MikroORM } from '@mikro-orm/postgresql';
import { advanceEnrolment, nextLocalTime, type SequenceDefinition } from '#libs/domain';
import { testInfrastructure } from '#test/setup/test-settings';
import { ormOptions } from './orm.config.js';
import { EnrolmentIntakeRepository } from './repositories/enrolment-intake.repository.js';
import { EnrolmentJobRepository } from './repositories/enrolment-job.repository.js';
import {
  EnrolmentRepository,
  type BatchPlan,
  type DueBatch,
} from './repositories/enrolment.repository.js';
import { IdentityRepository } from './repositories/identity.repository.js';
import { RateLimitRepository } from './repositories/rate-limit.repository.js';
import { SendQueueRepository, senderKey } from './repositories/send-queue.repository.js';
import { SequenceRepository } from './repositories/sequence.repository.js';

const definition: SequenceDefinition = {
  steps: [
    { id: 'hello', type: 'send', template: { name: 'hello', language: 'en' } },
    {
      id: 'answer',
      type: 'wait_for',
      event: 'reply',
      timeout: { minutes: 5 },
      next: 'thanks',
      timeoutNext: 'end',
    },
    { id: 'thanks', type: 'send', template: { name: 'thanks', language: 'en' } },
    { id: 'end', type: 'exit' },
  ],
  reentry: { policy: 'never' },
};

/**
 * The runner's storage against PostgreSQL with the real migrations: enrolling set-wise and by
 * job, advancing due enrolments in a batch through the real state machine, the send path's
 * write-back waking them, and replies reaching only the enrolments that listen.
 */
describe('enrolments against PostgreSQL', () => {
  let orm: MikroORM;
  let enrolments: EnrolmentRepository;
  let jobs: EnrolmentJobRepository;
  let intake: EnrolmentIntakeRepository;
  let sequences: SequenceRepository;
  let queue: SendQueueRepository;
  let workspace: string;
  let sequenceId: string;
  const sender = String(Math.floor(Math.random() * 1e12));
  const phones = ['+447400900001', '+447400900002', '+447400900003'];
  const contactIds: string[] = [];

  beforeAll(async () => {
    orm = await MikroORM.init(ormOptions({ databaseUrl: testInfrastructure().databaseUrl }));
    enrolments = new EnrolmentRepository(orm.em);
    jobs = new EnrolmentJobRepository(orm.em);
    intake = new EnrolmentIntakeRepository(orm.em);
    sequences = new SequenceRepository(orm.em);
    queue = new SendQueueRepository(orm.em);
    workspace = await new IdentityRepository(orm.em).createWorkspace('enrolments spec');
    for (const phone of phones) {
      const id = randomUUID();
      contactIds.push(id);
      await orm.em
        .fork()
        .execute(
          `insert into contacts (id, workspace_id, phone, country, attributes) values (?, ?, ?, 'GB', '{}')`,
          [id, workspace, phone],
        );
    }
    const created = await sequences.create(workspace, 'spec', definition);
    sequenceId = created!.id;
    await sequences.publish(workspace, sequenceId, 'spec', sender);
    await new RateLimitRepository(orm.em).ensure(senderKey(sender), 1_000);
  });

  afterAll(() => orm?.close());

  /** The feeder's plan, reduced to what this spec needs: the real machine, messages as asked. */
  const plan = (batch: DueBatch): BatchPlan => {
    const out: BatchPlan = { updates: [], messages: [], journal: [], withdraw: [] };
    for (const e of batch.enrolments) {
      const contact = batch.contacts.get(e.contactId) ?? null;
      const row = e.position.rowId === null ? null : (batch.rows.get(e.position.rowId) ?? null);
      const a = advanceEnrolment(definition, e.id, e.position, {
        now: Date.now(),
        contact,
        row,
        localTime: (t) => nextLocalTime(Date.now(), 'UTC', t),
      });
      out.updates.push({
        id: e.id,
        position: a.position,
        dueAt: a.dueAt,
        awaiting: a.awaiting,
        end: a.end,
      });
      for (const j of a.journal) out.journal.push({ ...j, enrolmentId: e.id });
      if (a.send && contact) {
        out.messages.push({
          enrolmentId: e.id,
          sendKey: a.send.sendKey,
          phone: contact.phone,
          country: contact.country,
          contactId: contact.id,
          templateName: a.send.step.template!.name,
          templateLanguage: 'en',
          variables: null,
          text: null,
          notBefore: null,
          skip: null,
          fail: null,
        });
      }
    }
    return out;
  };
  const state = async () =>
    orm.em
      .fork()
      .execute<
        { contact_id: string; step: string; phase: string; due: boolean; awaiting: string[] }[]
      >(
        `select contact_id, step, phase, due_at <= now() as due, awaiting from enrolments
       where sequence_id = ? order by contact_id`,
        [sequenceId],
      );

  it('enrols set-wise once, sends each first message once, and wakes only the listeners of a reply', async () => {
    expect(await jobs.enrolContacts(workspace, sequenceId, 1, definition.reentry, contactIds)).toBe(
      3,
    );
    expect(await jobs.enrolContacts(workspace, sequenceId, 1, definition.reentry, contactIds)).toBe(
      0,
    );

    expect(await enrolments.advanceDue(sequenceId, 100, plan)).toBe(3);
    // Each waits for its message only: nothing is due until an outcome is written.
    expect((await state()).every((e) => e.phase === 'sending' && e.due === null)).toBe(true);
    expect(await enrolments.advanceDue(sequenceId, 100, plan)).toBe(0);

    await queue.takeLease(sequenceId, 'l');
    const claimed = await queue.claim(sequenceId, 'l', sender, {
      leadMs: 0,
      maxAheadMs: 60_000,
      quantumMs: 10_000,
      maxBatch: 100,
      permitAheadMs: 100,
      jitterMs: 0,
    });
    if (claimed.kind !== 'claimed') throw new Error(claimed.kind);
    expect(claimed.rows.map((r) => r.templateName)).toEqual(['hello', 'hello', 'hello']);
    // The third contact answers before its enrolment listens: nothing is woken, but the reply
    // is kept and counts once the wait begins.
    const early = await intake.hear(workspace, [
      { phone: phones[2], kind: 'reply', at: Date.now() + 1_000 },
    ]);
    expect(early.wake).toEqual([]);
    await queue.record(
      claimed.rows.map((r) => ({ id: r.id, slot: r.slotAt, kind: 'sent', wamid: `w${r.id}` })),
      { wakeEnrolments: true },
    );
    expect((await state()).every((e) => e.due)).toBe(true);
    expect(await enrolments.advanceDue(sequenceId, 100, plan)).toBe(3);
    const waiting = new Map((await state()).map((e) => [e.contact_id, e]));
    for (const id of contactIds.slice(0, 2)) {
      expect(waiting.get(id)).toMatchObject({
        step: 'answer',
        phase: 'waiting',
        awaiting: ['reply'],
      });
    }
    expect(waiting.get(contactIds[2])).toMatchObject({ step: 'thanks', phase: 'sending' });

    // A reply from the second number reaches its enrolment alone.
    const heard = await intake.hear(workspace, [
      { phone: phones[1], kind: 'reply', at: Date.now() },
    ]);
    expect(heard).toEqual({ wake: [sequenceId], legacy: [] });
    const [none] = await Promise.all([
      intake.hear(workspace, [{ phone: phones[0], kind: 'button', payload: 'X', at: Date.now() }]),
    ]);
    expect(none.wake).toEqual([]);
    expect(await enrolments.advanceDue(sequenceId, 100, plan)).toBe(1);
    const after = await state();
    const byContact = new Map(after.map((e) => [e.contact_id, e]));
    expect(byContact.get(contactIds[1])).toMatchObject({ step: 'thanks', phase: 'sending' });
    expect(byContact.get(contactIds[0])).toMatchObject({ step: 'answer', phase: 'waiting' });
  });

  it('enrols a selection of any size as a job, a batch at a time, and reports its progress', async () => {
    const ws = await new IdentityRepository(orm.em).createWorkspace('enrolment job spec');
    for (let i = 0; i < 5; i++) {
      await orm.em
        .fork()
        .execute(
          `insert into contacts (id, workspace_id, phone, country, attributes) values (?, ?, ?, 'GB', '{}')`,
          [randomUUID(), ws, `+44740091000${i}`],
        );
    }
    const seq = (await sequences.create(ws, 'job spec', definition))!.id;
    await sequences.publish(ws, seq, 'spec', sender);
    const job = await jobs.create({
      workspaceId: ws,
      sequenceId: seq,
      version: 1,
      selection: {},
      createdBy: 'spec',
    });
    expect(await jobs.step(job.id, 2)).toEqual({ more: true, enrolled: 2 });
    expect(await jobs.get(ws, seq, job.id)).toMatchObject({
      status: 'running',
      processed: 2,
      enrolled: 2,
    });
    expect(await jobs.step(job.id, 2)).toEqual({ more: true, enrolled: 2 });
    expect(await jobs.step(job.id, 2)).toEqual({ more: false, enrolled: 1 });
    expect(await jobs.get(ws, seq, job.id)).toMatchObject({
      status: 'completed',
      processed: 5,
      enrolled: 5,
      notEnrolled: 0,
    });
    expect(await jobs.running(seq)).toEqual([]);
  });
});
