import { createRequire } from 'node:module';
import type { History } from '@temporalio/common/lib/proto-utils.js';

/**
 * Workflow histories to and from Temporal's JSON form (what `temporal workflow show --output
 * json` and the Web UI's download give), for the recorded histories in test/histories.
 *
 * `historyToJSON` and `historyFromJSON` from @temporalio/common do this, but fail in this install
 * with "type must be a Type": @grpc/proto-loader holds protobufjs 7 at the top of node_modules,
 * so @temporalio/common and @temporalio/proto each get a copy of protobufjs 8 of their own, and
 * the JSON conversion of one copy rejects the message types built by the other. Here the
 * conversion is taken from the copy @temporalio/proto is built on, wherever npm put it.
 */

interface MessageType {
  fromObject(object: object): History;
}
interface ProtoJson {
  toJson(type: MessageType, message: History): unknown;
  fromJson(
    type: MessageType,
    json: unknown,
    options: { ignoreUnknownFields: boolean },
  ): History | null;
}

const fromHere = createRequire(import.meta.url);
const fromCommon = createRequire(fromHere.resolve('@temporalio/common'));
const protoEntry = fromCommon.resolve('@temporalio/proto');
const fromProto = createRequire(protoEntry);
// Loading the package registers its root with its own protobufjs.
fromProto(protoEntry);
const protobuf = fromProto('protobufjs/light') as {
  roots: Record<string, { lookupType(name: string): MessageType } | undefined>;
};
const protojson = fromProto('protobufjs/ext/protojson') as ProtoJson;
const temporalRoot = protobuf.roots.__temporal;
if (!temporalRoot) throw new Error('@temporalio/proto registered no protobufjs root');
const historyType = temporalRoot.lookupType('temporal.api.history.v1.History');

/** A history (as `fetchHistory()` returns it) as indented JSON text. */
export function historyToJsonText(history: History): string {
  return `${JSON.stringify(protojson.toJson(historyType, historyType.fromObject(history)), null, 2)}\n`;
}

/** A history parsed from JSON, ready for `Worker.runReplayHistories`. */
export function historyFromJsonText(text: string): History {
  const history = protojson.fromJson(historyType, JSON.parse(text), { ignoreUnknownFields: true });
  if (!history?.events?.length) throw new Error('not a workflow history: no events');
  return history;
}
