import { Aspects, CfnElement, CfnResource, Stack } from 'aws-cdk-lib';
import { Construct, type IConstruct } from 'constructs';

/**
 * One concern of BreakwaterControlPlane (store, steps, workflows, target access, triggers, API,
 * console, monitoring): a construct of its own, whose CloudFormation resources keep the logical
 * IDs they had when the control plane created them directly, before it was split into parts.
 *
 * The logical ID is what CloudFormation knows a resource by: a new one means "delete that
 * resource, create this one", and the table, the named state machines and roles, the user pool
 * and the buckets cannot be replaced that way (a table with deletion protection, a role name in
 * use, a bucket with objects). So a part is left out of the path its resources' IDs are made
 * from; everything else about the IDs is the stack's own (`Stack.getLogicalId`: its
 * allocateLogicalId, overridden or not, and its renameLogicalId renames). A resource whose ID
 * someone already overrode (API Gateway's deployment, named by a hash of the API; your own
 * overrideLogicalId) keeps theirs.
 * Only under a parent that asked for it (keepPreSplitLogicalIds): a part used on its own, in
 * your construct, gets CDK's ordinary IDs.
 */
export abstract class ControlPlanePart extends Construct {
  /**
   * Gives every resource under this part its pre-split logical ID now. Parts call it once their
   * resources exist and before anything reads those IDs (cdk-nag acknowledgements name them);
   * the aspect keepPreSplitLogicalIds adds catches what is added later (grants add policies to
   * roles).
   */
  protected keepLogicalIds(): void {
    if (isUnsplitPart(this)) keepIds(this);
  }
}

/** Constructs whose parts keep the IDs the parent gave their resources before the split. */
const UNSPLIT_PARENTS = new WeakSet<IConstruct>();

const isUnsplitPart = (scope: IConstruct): boolean =>
  scope instanceof ControlPlanePart &&
  scope.node.scope !== undefined &&
  UNSPLIT_PARENTS.has(scope.node.scope);

/**
 * Makes the parts of `parent` keep the logical IDs `parent` gave their resources before it was
 * split, including resources added to a part later (grants add policies to roles).
 */
export function keepPreSplitLogicalIds(parent: Construct): void {
  UNSPLIT_PARENTS.add(parent);
  Aspects.of(parent).add({
    visit(node: IConstruct): void {
      if (isUnsplitPart(node)) keepIds(node);
    },
  });
}

/**
 * The logical ID `element` had before its parent was split: what its stack names a resource at
 * the same path without the parts. The stack names a detached mirror of that path (its own
 * allocator and renames apply); the mirror is never synthesized.
 */
export function preSplitLogicalId(element: CfnElement): string {
  const stack = Stack.of(element);
  const scopes = element.node.scopes;
  const stackIndex = scopes.indexOf(stack);
  let mirror = new Construct(undefined as unknown as Construct, scopes[0]!.node.id);
  for (const scope of scopes.slice(1, stackIndex)) mirror = new Construct(mirror, scope.node.id);
  mirror = new Stack(mirror, stack.node.id);
  for (const scope of scopes.slice(stackIndex + 1, -1)) {
    if (!isUnsplitPart(scope)) mirror = new Construct(mirror, scope.node.id);
  }
  return stack.getLogicalId(
    new CfnResource(mirror, element.node.id, { type: 'Breakwater::PreSplit::Mirror' }),
  );
}

/** The pre-split IDs given so far, per stack: two resources must never be given the same one. */
const GIVEN = new WeakMap<Stack, Map<string, string>>();

function keepIds(part: IConstruct): void {
  for (const node of part.node.findAll()) {
    if (!CfnElement.isCfnElement(node)) continue;
    const stack = Stack.of(node);
    const current = stack.resolve(node.logicalId) as string;
    // Already overridden (kept before, or by its own construct): leave it.
    if (current !== stack.getLogicalId(node)) continue;
    const kept = preSplitLogicalId(node);
    const given = GIVEN.get(stack) ?? new Map<string, string>();
    GIVEN.set(stack, given);
    const holder = given.get(kept);
    if (holder !== undefined && holder !== node.node.path) {
      throw new Error(
        `ControlPlanePart: ${node.node.path} would take the logical ID ${kept} of ${holder}: give one of them another id`,
      );
    }
    given.set(kept, node.node.path);
    node.overrideLogicalId(kept);
  }
}
