/**
 * The WhatsApp Business Accounts the sandbox serves, and which one each business phone number
 * belongs to: its sends are checked against that account's templates and standing, and its
 * webhooks carry that account's id as `entry.id`. A number not assigned belongs to the first.
 */
export class Wabas {
  private readonly served: Set<string>;
  private readonly owner: Map<string, string>;

  constructor(
    readonly ids: string[],
    numbers: [phoneNumberId: string, wabaId: string][] = [],
  ) {
    this.served = new Set(ids);
    this.owner = new Map(numbers);
  }

  get primary(): string {
    return this.ids[0];
  }

  serves(id: string): boolean {
    return this.served.has(id);
  }

  of(phoneNumberId: string): string {
    return this.owner.get(phoneNumberId) ?? this.ids[0];
  }
}
