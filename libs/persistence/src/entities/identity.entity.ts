import { defineEntity, p } from '@mikro-orm/postgresql';
import { ROLES } from '#libs/domain';

/** A customer's workspace: every user, key, contact, template and campaign belongs to one. */
const WorkspaceSchema = defineEntity({
  name: 'Workspace',
  tableName: 'workspaces',
  properties: {
    id: p.uuid().primary(),
    name: p.string().length(200),
    /** Send window, default time zone and frequency cap, for campaigns and sequences alike. */
    deliveryPolicy: p.json<Record<string, unknown>>().defaultRaw(`'{}'`),
    createdAt: p.datetime().defaultRaw('now()'),
  },
});

const UserSchema = defineEntity({
  name: 'User',
  tableName: 'users',
  uniques: [{ properties: ['workspace', 'email'] }],
  indexes: [{ properties: ['email'] }],
  properties: {
    id: p.uuid().primary(),
    workspace: () => p.manyToOne(Workspace).deleteRule('cascade'),
    /**
     * Lower-cased; unique within the workspace. The same e-mail may sign in to several
     * workspaces, so another workspace's users never learn that it exists elsewhere.
     */
    email: p.string().length(320),
    /** bcrypt, cost 12. */
    passwordHash: p.string().length(100),
    role: p.enum([...ROLES]),
    createdAt: p.datetime().defaultRaw('now()'),
    disabledAt: p.datetime().nullable(),
  },
});

/**
 * Refresh tokens, stored as SHA-256 hashes. Each login starts a family; every refresh replaces
 * the token with a new one of the family, and presenting a used one revokes the whole family.
 */
const RefreshTokenSchema = defineEntity({
  name: 'RefreshToken',
  tableName: 'refresh_tokens',
  indexes: [{ properties: ['familyId'] }],
  properties: {
    id: p.uuid().primary(),
    familyId: p.uuid(),
    user: () => p.manyToOne(User).deleteRule('cascade'),
    tokenHash: p.string().length(64).unique(),
    expiresAt: p.datetime(),
    createdAt: p.datetime().defaultRaw('now()'),
    usedAt: p.datetime().nullable(),
    revokedAt: p.datetime().nullable(),
  },
});

/** Keys for machine clients: shown once, stored hashed, scoped to a role, revocable. */
const ApiKeySchema = defineEntity({
  name: 'ApiKey',
  tableName: 'api_keys',
  properties: {
    id: p.uuid().primary(),
    workspace: () => p.manyToOne(Workspace).deleteRule('cascade'),
    name: p.string().length(200),
    /** The key's first characters, to tell keys apart in lists. */
    prefix: p.string().length(16),
    keyHash: p.string().length(64).unique(),
    role: p.enum([...ROLES]),
    createdBy: p.string().length(320),
    createdAt: p.datetime().defaultRaw('now()'),
    lastUsedAt: p.datetime().nullable(),
    revokedAt: p.datetime().nullable(),
  },
});

/** Security events, append-only (a trigger refuses updates and deletes). */
const AuditEventSchema = defineEntity({
  name: 'AuditEvent',
  tableName: 'audit_log',
  indexes: [{ properties: ['workspaceId', 'id'] }],
  properties: {
    id: p.bigint('number').primary().autoincrement(),
    at: p.datetime().defaultRaw('now()'),
    workspaceId: p.uuid().nullable(),
    actor: p.string().length(320),
    action: p.string().length(64),
    target: p.string().length(320).nullable(),
    ip: p.string().length(64).nullable(),
    details: p.json<Record<string, unknown>>().nullable(),
  },
});

/** Failed logins per account and per client address, for throttling. */
const LoginFailureSchema = defineEntity({
  name: 'LoginFailure',
  tableName: 'login_failures',
  properties: {
    key: p.string().length(400).primary(),
    failures: p.integer().default(0),
    firstAt: p.datetime().defaultRaw('now()'),
    lockedUntil: p.datetime().nullable(),
  },
});

/** First responses to POSTs sent with an Idempotency-Key, replayed for repeats. */
const IdempotencyKeySchema = defineEntity({
  name: 'IdempotencyKey',
  tableName: 'idempotency_keys',
  properties: {
    workspaceId: p.uuid().primary(),
    key: p.string().length(200).primary(),
    /** Null while a streamed body is still being read. */
    requestHash: p.string().length(64).nullable(),
    statusCode: p.integer().nullable(),
    response: p.json<unknown>().nullable(),
    createdAt: p.datetime().defaultRaw('now()'),
  },
});

export class Workspace extends WorkspaceSchema.class {}
WorkspaceSchema.setClass(Workspace);
export class User extends UserSchema.class {}
UserSchema.setClass(User);
export class RefreshToken extends RefreshTokenSchema.class {}
RefreshTokenSchema.setClass(RefreshToken);
export class ApiKey extends ApiKeySchema.class {}
ApiKeySchema.setClass(ApiKey);
export class AuditEvent extends AuditEventSchema.class {}
AuditEventSchema.setClass(AuditEvent);
export class LoginFailure extends LoginFailureSchema.class {}
LoginFailureSchema.setClass(LoginFailure);
export class IdempotencyKey extends IdempotencyKeySchema.class {}
IdempotencyKeySchema.setClass(IdempotencyKey);
export {
  ApiKeySchema,
  AuditEventSchema,
  IdempotencyKeySchema,
  LoginFailureSchema,
  RefreshTokenSchema,
  UserSchema,
  WorkspaceSchema,
};
