export default async function globalTeardown(): Promise<void> {
  const infra = globalThis.__testInfrastructure;
  await infra?.temporal?.stop();
  await infra?.database?.stop();
}
