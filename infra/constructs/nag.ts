import { ArnFormat, type Stack, Token } from 'aws-cdk-lib';

/**
 * How cdk-nag spells a resource inside a finding id such as `AwsSolutions-IAM5[Resource::…]`:
 * pseudo parameters become `<AWS::Region>`, attributes `<LogicalId.Arn>`. Acknowledgements
 * name the exact finding, so a new wildcard is never silently covered by an old reason.
 */
export function nagResource(stack: Stack, value: string): string {
  if (!Token.isUnresolved(value)) return value;
  return render(stack.resolve(value));
}

/** How cdk-nag spells an already resolved CloudFormation value (see nagResource). */
export function render(value: unknown): string {
  // As cdk-nag's flattenCfnReference: Fn::Sub's `${X}` becomes `<X>`.
  if (typeof value === 'string') return value.replace(/\$\{/g, '<').replace(/\}/g, '>');
  if (value !== null && typeof value === 'object') {
    const object = value as Record<string, unknown>;
    if ('Fn::Sub' in object) return render(object['Fn::Sub']);
    if ('Ref' in object) return `<${String(object.Ref)}>`;
    if ('Fn::GetAtt' in object) {
      const [logicalId, attribute] = object['Fn::GetAtt'] as [string, string];
      return `<${logicalId}.${attribute}>`;
    }
    if ('Fn::Join' in object) {
      const [separator, parts] = object['Fn::Join'] as [string, unknown[]];
      return parts.map(render).join(separator);
    }
  }
  return JSON.stringify(value);
}

/** The ARN of the Lambda function (or `name:qualifier`, or a `*` pattern) `resourceName` in `region`. */
export function lambdaFunctionArn(stack: Stack, region: string, resourceName: string): string {
  return stack.formatArn({
    service: 'lambda',
    region,
    resource: 'function',
    resourceName,
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
}
