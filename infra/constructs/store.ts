import {
  aws_dynamodb as dynamodb,
  type aws_iam as iam,
  RemovalPolicy,
  Stack,
  Validations,
} from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { GSI1, GSI1_PK, GSI1_SK, PK, SK, TTL_ATTRIBUTE } from '../../src/adapters/aws/table.js';
import { ControlPlanePart } from './part.js';

export interface BreakwaterStoreProps {
  /**
   * What happens to the table when it leaves the stack.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The single table: pipelines, deployments and their waves and targets, alias locks, blockers,
 * vetoes and the event timeline (src/adapters/aws/table.ts). On demand, point-in-time recovery,
 * deletion protection, encrypted with the AWS managed key, one index (GSI1) for the listings.
 */
export class BreakwaterStore extends ControlPlanePart {
  /** The table (src/adapters/aws/table.ts). */
  readonly table: dynamodb.Table;

  constructor(scope: Construct, id: string, props: BreakwaterStoreProps = {}) {
    super(scope, id);
    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: PK, type: dynamodb.AttributeType.STRING },
      sortKey: { name: SK, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      // The AWS managed key (aws/dynamodb): encrypted at rest with KMS and auditable in
      // CloudTrail, without a key policy to manage or kms:*-wildcard grants on every role.
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      timeToLiveAttribute: TTL_ATTRIBUTE,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    this.table.addGlobalSecondaryIndex({
      indexName: GSI1,
      partitionKey: { name: GSI1_PK, type: dynamodb.AttributeType.STRING },
      sortKey: { name: GSI1_SK, type: dynamodb.AttributeType.STRING },
      projectionType: dynamodb.ProjectionType.ALL,
    });
    this.keepLogicalIds();
  }

  /** Lets `grantee` read the table and its index (the API's queries, the triggers' lookups). */
  grantRead(grantee: iam.IGrantable): iam.Grant {
    this.#acknowledgeIndex(grantee);
    return this.table.grantReadData(grantee);
  }

  /** Lets `grantee` read and write items (the steps, the API's commands, the alarm watcher). */
  grantReadWrite(grantee: iam.IGrantable): iam.Grant {
    this.#acknowledgeIndex(grantee);
    return this.table.grantReadWriteData(grantee);
  }

  /** CDK's table grants name `<table>/index/*`: cdk-nag's finding, with its reason. */
  #acknowledgeIndex(grantee: iam.IGrantable): void {
    const stack = Stack.of(this);
    const table = stack.resolve((this.table.node.defaultChild as dynamodb.CfnTable).logicalId) as string;
    const principal: unknown = grantee.grantPrincipal;
    if (!Construct.isConstruct(principal)) return;
    Validations.of(principal).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${table}.Arn>/index/*]`,
      reason: `Table grant from CDK (grantReadData/grantReadWriteData) covers the table's indexes; the table has exactly one, ${GSI1}, which the deployment listings query.`,
    });
  }
}
