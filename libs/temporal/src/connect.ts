import { Client, Connection } from '@temporalio/client';

export interface TemporalClientSettings {
  address: string;
  namespace: string;
}

export async function connectTemporalClient(settings: TemporalClientSettings): Promise<Client> {
  const connection = await Connection.connect({ address: settings.address });
  return new Client({ connection, namespace: settings.namespace });
}
