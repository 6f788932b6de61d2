// The request inputs the generators draw, as the SDK's input types name their members: MeterUsage,
// BatchMeterUsage and their parts. Timestamps are Dates; the raw driver writes them to the wire.

export interface Tag {
  Key: string;
  Value: string;
}
export interface UsageAllocation {
  AllocatedUsageQuantity: number;
  Tags?: Tag[];
}
export interface UsageRecord {
  Timestamp: Date;
  Dimension: string;
  Quantity?: number;
  UsageAllocations?: UsageAllocation[];
  CustomerIdentifier?: string;
  CustomerAWSAccountId?: string;
  LicenseArn?: string;
}
export interface BatchMeterUsageInput {
  UsageRecords: UsageRecord[];
  ProductCode?: string;
}
export interface MeterUsageInput {
  ProductCode: string;
  Timestamp: Date;
  UsageDimension: string;
  UsageQuantity?: number;
  DryRun?: boolean;
  UsageAllocations?: UsageAllocation[];
  ClientToken?: string;
}
