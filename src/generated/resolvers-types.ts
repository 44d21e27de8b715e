import type { GraphQLResolveInfo } from 'graphql';
import type { CatalogProduct, MoneyValue, InventoryRecord, CartRecord, CartLine, ViewerValue, WritePayload } from '../resolvers/models.js';
import type { BallastContext } from '../context.js';
export type Maybe<T> = T | null;
export type InputMaybe<T> = Maybe<T>;
export type Omit<T, K extends keyof T> = Pick<T, Exclude<keyof T, K>>;
export type RequireFields<T, K extends keyof T> = Omit<T, K> & { [P in K]-?: NonNullable<T[P]> };
/** All built-in and custom scalars, mapped to their actual values */
export type Scalars = {
  ID: { input: string; output: string; }
  String: { input: string; output: string; }
  Boolean: { input: boolean; output: boolean; }
  Int: { input: number; output: number; }
  Float: { input: number; output: number; }
};

/** The favorites as the favorites service answered the write: the write is in them. */
export type AddFavoritePayload = {
  __typename?: 'AddFavoritePayload';
  /** The favorite products after the write; an entry is null when the catalog failed to answer for it. */
  favorites?: Maybe<Array<Maybe<Product>>>;
};

/** The cart as the cart service answered the write: the write is in it. */
export type AddToCartPayload = {
  __typename?: 'AddToCartPayload';
  /** The cart after the write; null, with a LIST_TOO_LONG error, when it has more lines than the gateway reads from one answer (the write was still applied: do not send it again). */
  cart?: Maybe<Cart>;
};

/** A user's shopping cart. */
export type Cart = {
  __typename?: 'Cart';
  /** The cart's lines. */
  items: Array<CartItem>;
  /** Sum of price times quantity over every line; null when a price is unavailable. */
  subtotal?: Maybe<Money>;
  /** Sum of the quantities of every line. */
  totalQuantity: Scalars['Int']['output'];
  /** The cart owner's user id. */
  userId: Scalars['ID']['output'];
};

/** One line of a cart. */
export type CartItem = {
  __typename?: 'CartItem';
  /** The product on this line; null when the catalog is unavailable or no longer knows it. */
  product?: Maybe<Product>;
  /** Units of the product in the cart. */
  quantity: Scalars['Int']['output'];
};

/** How many units of a product are in stock. */
export type Inventory = {
  __typename?: 'Inventory';
  /** Units available; null when the inventory service could not say. */
  available?: Maybe<Scalars['Int']['output']>;
  /** Stock level bucket; UNKNOWN when the inventory service could not say. */
  status: StockStatus;
};

/** An amount of money. */
export type Money = {
  __typename?: 'Money';
  /** Amount in minor units (cents for USD). */
  amount: Scalars['Int']['output'];
  /** ISO 4217 currency code, e.g. `USD`. */
  currency: Scalars['String']['output'];
  /** Human-readable amount, e.g. `$19.99`. */
  formatted: Scalars['String']['output'];
};

/**
 * Writes to a user's cart and favorites. A write is never degraded: when its service fails, the
 * field is null with a coded errors[] entry (UPSTREAM_TIMEOUT, UPSTREAM_UNAVAILABLE, CIRCUIT_OPEN,
 * BULKHEAD_FULL, UPSTREAM_BAD_RESPONSE or DEADLINE_EXCEEDED, with `source`), never a stale or
 * default value. Each mutation field is sent upstream with its own idempotency key, so a retried
 * write is applied once; send an `Idempotency-Key` header to make a retry of the whole request safe
 * too (docs/security.md). Once identity is configured, only the caller's own data may be changed.
 * A mutation field that is not null was applied, even when its payload's cart or favorites is null
 * with LIST_TOO_LONG (a list longer than the gateway reads from one answer).
 */
export type Mutation = {
  __typename?: 'Mutation';
  /** Adds a product to the user's favorites (already there: nothing changes). */
  addFavorite?: Maybe<AddFavoritePayload>;
  /** Adds `quantity` units of a product to the cart (to its line if it has one already). */
  addToCart?: Maybe<AddToCartPayload>;
  /** Removes a product from the user's favorites (not there: nothing changes). */
  removeFavorite?: Maybe<RemoveFavoritePayload>;
  /** Removes a product's line from the cart; removing a line the cart does not have changes nothing. */
  removeFromCart?: Maybe<RemoveFromCartPayload>;
  /** Sets the quantity of a product's line, adding the line if the cart has none. */
  updateCartLine?: Maybe<UpdateCartLinePayload>;
};


/**
 * Writes to a user's cart and favorites. A write is never degraded: when its service fails, the
 * field is null with a coded errors[] entry (UPSTREAM_TIMEOUT, UPSTREAM_UNAVAILABLE, CIRCUIT_OPEN,
 * BULKHEAD_FULL, UPSTREAM_BAD_RESPONSE or DEADLINE_EXCEEDED, with `source`), never a stale or
 * default value. Each mutation field is sent upstream with its own idempotency key, so a retried
 * write is applied once; send an `Idempotency-Key` header to make a retry of the whole request safe
 * too (docs/security.md). Once identity is configured, only the caller's own data may be changed.
 * A mutation field that is not null was applied, even when its payload's cart or favorites is null
 * with LIST_TOO_LONG (a list longer than the gateway reads from one answer).
 */
export type MutationAddFavoriteArgs = {
  productId: Scalars['ID']['input'];
  userId: Scalars['ID']['input'];
};


/**
 * Writes to a user's cart and favorites. A write is never degraded: when its service fails, the
 * field is null with a coded errors[] entry (UPSTREAM_TIMEOUT, UPSTREAM_UNAVAILABLE, CIRCUIT_OPEN,
 * BULKHEAD_FULL, UPSTREAM_BAD_RESPONSE or DEADLINE_EXCEEDED, with `source`), never a stale or
 * default value. Each mutation field is sent upstream with its own idempotency key, so a retried
 * write is applied once; send an `Idempotency-Key` header to make a retry of the whole request safe
 * too (docs/security.md). Once identity is configured, only the caller's own data may be changed.
 * A mutation field that is not null was applied, even when its payload's cart or favorites is null
 * with LIST_TOO_LONG (a list longer than the gateway reads from one answer).
 */
export type MutationAddToCartArgs = {
  productId: Scalars['ID']['input'];
  quantity?: Scalars['Int']['input'];
  userId: Scalars['ID']['input'];
};


/**
 * Writes to a user's cart and favorites. A write is never degraded: when its service fails, the
 * field is null with a coded errors[] entry (UPSTREAM_TIMEOUT, UPSTREAM_UNAVAILABLE, CIRCUIT_OPEN,
 * BULKHEAD_FULL, UPSTREAM_BAD_RESPONSE or DEADLINE_EXCEEDED, with `source`), never a stale or
 * default value. Each mutation field is sent upstream with its own idempotency key, so a retried
 * write is applied once; send an `Idempotency-Key` header to make a retry of the whole request safe
 * too (docs/security.md). Once identity is configured, only the caller's own data may be changed.
 * A mutation field that is not null was applied, even when its payload's cart or favorites is null
 * with LIST_TOO_LONG (a list longer than the gateway reads from one answer).
 */
export type MutationRemoveFavoriteArgs = {
  productId: Scalars['ID']['input'];
  userId: Scalars['ID']['input'];
};


/**
 * Writes to a user's cart and favorites. A write is never degraded: when its service fails, the
 * field is null with a coded errors[] entry (UPSTREAM_TIMEOUT, UPSTREAM_UNAVAILABLE, CIRCUIT_OPEN,
 * BULKHEAD_FULL, UPSTREAM_BAD_RESPONSE or DEADLINE_EXCEEDED, with `source`), never a stale or
 * default value. Each mutation field is sent upstream with its own idempotency key, so a retried
 * write is applied once; send an `Idempotency-Key` header to make a retry of the whole request safe
 * too (docs/security.md). Once identity is configured, only the caller's own data may be changed.
 * A mutation field that is not null was applied, even when its payload's cart or favorites is null
 * with LIST_TOO_LONG (a list longer than the gateway reads from one answer).
 */
export type MutationRemoveFromCartArgs = {
  productId: Scalars['ID']['input'];
  userId: Scalars['ID']['input'];
};


/**
 * Writes to a user's cart and favorites. A write is never degraded: when its service fails, the
 * field is null with a coded errors[] entry (UPSTREAM_TIMEOUT, UPSTREAM_UNAVAILABLE, CIRCUIT_OPEN,
 * BULKHEAD_FULL, UPSTREAM_BAD_RESPONSE or DEADLINE_EXCEEDED, with `source`), never a stale or
 * default value. Each mutation field is sent upstream with its own idempotency key, so a retried
 * write is applied once; send an `Idempotency-Key` header to make a retry of the whole request safe
 * too (docs/security.md). Once identity is configured, only the caller's own data may be changed.
 * A mutation field that is not null was applied, even when its payload's cart or favorites is null
 * with LIST_TOO_LONG (a list longer than the gateway reads from one answer).
 */
export type MutationUpdateCartLineArgs = {
  productId: Scalars['ID']['input'];
  quantity: Scalars['Int']['input'];
  userId: Scalars['ID']['input'];
};

/**
 * An object that can be refetched by its id alone (Relay global object identification). Ids are
 * unique across every type that implements Node, so `node(id:)` needs no type prefix.
 */
export type Node = {
  /** Globally unique id; pass it to `node(id:)` to refetch this object. */
  id: Scalars['ID']['output'];
};

/** Pagination state of a connection. */
export type PageInfo = {
  __typename?: 'PageInfo';
  /** The cursor of the last item of this page; pass it as `after` for the next page. */
  endCursor?: Maybe<Scalars['String']['output']>;
  /** True when another page follows this one. */
  hasNextPage: Scalars['Boolean']['output'];
  /**
   * True when items come before this page. Pagination is forward-only (first/after), so this is
   * true exactly when `after` was given: every cursor of this API follows at least one item.
   */
  hasPreviousPage: Scalars['Boolean']['output'];
  /** The cursor of the first item of this page; null when the page is empty. */
  startCursor?: Maybe<Scalars['String']['output']>;
};

/** A product of the catalog, with its price and stock joined in from their own services. */
export type Product = Node & {
  __typename?: 'Product';
  /** Catalog category, e.g. `kitchen`. */
  category?: Maybe<Scalars['String']['output']>;
  /** Marketing description. */
  description?: Maybe<Scalars['String']['output']>;
  /** Stable product id, e.g. `p-0001`. */
  id: Scalars['ID']['output'];
  /** Stock level, from the inventory service; status UNKNOWN when inventory is unavailable. */
  inventory?: Maybe<Inventory>;
  /** Display name. */
  name: Scalars['String']['output'];
  /** Current price, from the pricing service; null when pricing is unavailable and no stale price is known. */
  price?: Maybe<Money>;
  /** From the reviews service; null when it is unavailable and no stale value is known. */
  rating?: Maybe<Rating>;
  /** From the shipping service (declared, no TypeScript); null when it is unavailable and no stale value is known. */
  shipping?: Maybe<ShippingEstimate>;
  /** Delivery options, one call per product; null when the shipping service is unavailable. */
  shippingOptions?: Maybe<Array<ShippingOption>>;
};


/** A product of the catalog, with its price and stock joined in from their own services. */
export type ProductShippingArgs = {
  country?: InputMaybe<Scalars['String']['input']>;
};

/** A page of products (Relay-style connection). */
export type ProductConnection = {
  __typename?: 'ProductConnection';
  /** The products of this page with their cursors. */
  edges: Array<ProductEdge>;
  /** The products of this page, without cursors. */
  nodes: Array<Product>;
  /** Where this page sits in the whole list. */
  pageInfo: PageInfo;
};

/** A product and the cursor that points just after it. */
export type ProductEdge = {
  __typename?: 'ProductEdge';
  /** Pass as `after` to continue after this product. */
  cursor: Scalars['String']['output'];
  /** The product. */
  node: Product;
};

/** The entry points of the Ballast API. */
export type Query = {
  __typename?: 'Query';
  /** A user's shopping cart. Once identity is configured, only the caller's own. */
  cart?: Maybe<Cart>;
  /**
   * A user's favorite products. Once identity is configured, only the caller's own. An entry is
   * null (with its errors[] entry) when the catalog failed to answer for that product alone.
   */
  favorites?: Maybe<Array<Maybe<Product>>>;
  /** Any object by its id (today: a product id like `p-0001`); null when no object has that id. */
  node?: Maybe<Node>;
  /** Objects by id, in the order asked, null for an unknown id; at most 100 ids. */
  nodes: Array<Maybe<Node>>;
  /** One product by id, or null when the catalog does not know it. */
  product?: Maybe<Product>;
  /** Products in catalog order, paginated with an opaque cursor; null (with an error) when the catalog cannot answer. */
  products?: Maybe<ProductConnection>;
  /** The caller, from their verified identity; null when the request carries none. */
  viewer?: Maybe<Viewer>;
};


/** The entry points of the Ballast API. */
export type QueryCartArgs = {
  userId: Scalars['ID']['input'];
};


/** The entry points of the Ballast API. */
export type QueryFavoritesArgs = {
  userId: Scalars['ID']['input'];
};


/** The entry points of the Ballast API. */
export type QueryNodeArgs = {
  id: Scalars['ID']['input'];
};


/** The entry points of the Ballast API. */
export type QueryNodesArgs = {
  ids: Array<Scalars['ID']['input']>;
};


/** The entry points of the Ballast API. */
export type QueryProductArgs = {
  id: Scalars['ID']['input'];
};


/** The entry points of the Ballast API. */
export type QueryProductsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
};

/** What customers think of a product, from the reviews service. */
export type Rating = {
  __typename?: 'Rating';
  /** Mean star rating, 0 to 5. */
  average: Scalars['Float']['output'];
  /** How many reviews the average is over. */
  count: Scalars['Int']['output'];
};

/** The favorites as the favorites service answered the write: the write is in them. */
export type RemoveFavoritePayload = {
  __typename?: 'RemoveFavoritePayload';
  /** The favorite products after the write; an entry is null when the catalog failed to answer for it. */
  favorites?: Maybe<Array<Maybe<Product>>>;
};

/** The cart as the cart service answered the write: the write is in it. */
export type RemoveFromCartPayload = {
  __typename?: 'RemoveFromCartPayload';
  /** The cart after the write; null, with a LIST_TOO_LONG error, when it has more lines than the gateway reads from one answer (the write was still applied: do not send it again). */
  cart?: Maybe<Cart>;
};

/** A delivery estimate for one product, from the shipping service. */
export type ShippingEstimate = {
  __typename?: 'ShippingEstimate';
  /** Carrier expected to deliver, e.g. `UPS`; null when not yet known. */
  carrier?: Maybe<Scalars['String']['output']>;
  /** Cost of delivery in minor units (cents). */
  costCents: Scalars['Int']['output'];
  /** Days until delivery. */
  days: Scalars['Int']['output'];
};

/** One way a product can be delivered. */
export type ShippingOption = {
  __typename?: 'ShippingOption';
  /** Cost in minor units (cents). */
  costCents: Scalars['Int']['output'];
  /** Days until delivery. */
  days: Scalars['Int']['output'];
  /** How fast. */
  speed: ShippingSpeed;
};

/** How fast a delivery option is. */
export type ShippingSpeed =
  /** Faster, at a higher cost. */
  | 'EXPRESS'
  /** The usual delivery. */
  | 'STANDARD';

/** Stock level buckets. */
export type StockStatus =
  /** More than a handful in stock. */
  | 'IN_STOCK'
  /** A handful left (1 to 5). */
  | 'LOW_STOCK'
  /** None left. */
  | 'OUT_OF_STOCK'
  /** The inventory service could not be asked. */
  | 'UNKNOWN';

/** The cart as the cart service answered the write: the write is in it. */
export type UpdateCartLinePayload = {
  __typename?: 'UpdateCartLinePayload';
  /** The cart after the write; null, with a LIST_TOO_LONG error, when it has more lines than the gateway reads from one answer (the write was still applied: do not send it again). */
  cart?: Maybe<Cart>;
};

/** The user making the request. */
export type Viewer = {
  __typename?: 'Viewer';
  /** The caller's cart. */
  cart?: Maybe<Cart>;
  /** The caller's favorite products; an entry is null when the catalog failed to answer for it. */
  favorites?: Maybe<Array<Maybe<Product>>>;
  /** The caller's user id. */
  id: Scalars['ID']['output'];
};



export type ResolverTypeWrapper<T> = Promise<T> | T;


export type ResolverWithResolve<TResult, TParent, TContext, TArgs> = {
  resolve: ResolverFn<TResult, TParent, TContext, TArgs>;
};
export type Resolver<TResult, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>, TArgs = Record<PropertyKey, never>> = ResolverFn<TResult, TParent, TContext, TArgs> | ResolverWithResolve<TResult, TParent, TContext, TArgs>;

export type ResolverFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => Promise<TResult> | TResult;

export type SubscriptionSubscribeFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => AsyncIterable<TResult> | Promise<AsyncIterable<TResult>>;

export type SubscriptionResolveFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => TResult | Promise<TResult>;

export interface SubscriptionSubscriberObject<TResult, TKey extends string, TParent, TContext, TArgs> {
  subscribe: SubscriptionSubscribeFn<{ [key in TKey]: TResult }, TParent, TContext, TArgs>;
  resolve?: SubscriptionResolveFn<TResult, { [key in TKey]: TResult }, TContext, TArgs>;
}

export interface SubscriptionResolverObject<TResult, TParent, TContext, TArgs> {
  subscribe: SubscriptionSubscribeFn<any, TParent, TContext, TArgs>;
  resolve: SubscriptionResolveFn<TResult, any, TContext, TArgs>;
}

export type SubscriptionObject<TResult, TKey extends string, TParent, TContext, TArgs> =
  | SubscriptionSubscriberObject<TResult, TKey, TParent, TContext, TArgs>
  | SubscriptionResolverObject<TResult, TParent, TContext, TArgs>;

export type SubscriptionResolver<TResult, TKey extends string, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>, TArgs = Record<PropertyKey, never>> =
  | ((...args: any[]) => SubscriptionObject<TResult, TKey, TParent, TContext, TArgs>)
  | SubscriptionObject<TResult, TKey, TParent, TContext, TArgs>;

export type TypeResolveFn<TTypes, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>> = (
  parent: TParent,
  context: TContext,
  info: GraphQLResolveInfo
) => Maybe<TTypes> | Promise<Maybe<TTypes>>;

export type IsTypeOfResolverFn<T = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>> = (obj: T, context: TContext, info: GraphQLResolveInfo) => boolean | Promise<boolean>;

export type NextResolverFn<T> = () => Promise<T>;

export type DirectiveResolverFn<TResult = Record<PropertyKey, never>, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>, TArgs = Record<PropertyKey, never>> = (
  next: NextResolverFn<TResult>,
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => TResult | Promise<TResult>;




/** Mapping of interface types */
export type ResolversInterfaceTypes<_RefType extends Record<string, unknown>> = {
  Node: ( CatalogProduct );
};

/** Mapping between all available schema types and the resolvers types */
export type ResolversTypes = {
  AddFavoritePayload: ResolverTypeWrapper<WritePayload>;
  AddToCartPayload: ResolverTypeWrapper<WritePayload>;
  Boolean: ResolverTypeWrapper<Scalars['Boolean']['output']>;
  Cart: ResolverTypeWrapper<CartRecord>;
  CartItem: ResolverTypeWrapper<CartLine>;
  Float: ResolverTypeWrapper<Scalars['Float']['output']>;
  ID: ResolverTypeWrapper<Scalars['ID']['output']>;
  Int: ResolverTypeWrapper<Scalars['Int']['output']>;
  Inventory: ResolverTypeWrapper<InventoryRecord>;
  Money: ResolverTypeWrapper<MoneyValue>;
  Mutation: ResolverTypeWrapper<Record<PropertyKey, never>>;
  Node: ResolverTypeWrapper<ResolversInterfaceTypes<ResolversTypes>['Node']>;
  PageInfo: ResolverTypeWrapper<PageInfo>;
  Product: ResolverTypeWrapper<CatalogProduct>;
  ProductConnection: ResolverTypeWrapper<Omit<ProductConnection, 'edges' | 'nodes'> & { edges: Array<ResolversTypes['ProductEdge']>, nodes: Array<ResolversTypes['Product']> }>;
  ProductEdge: ResolverTypeWrapper<Omit<ProductEdge, 'node'> & { node: ResolversTypes['Product'] }>;
  Query: ResolverTypeWrapper<Record<PropertyKey, never>>;
  Rating: ResolverTypeWrapper<Rating>;
  RemoveFavoritePayload: ResolverTypeWrapper<WritePayload>;
  RemoveFromCartPayload: ResolverTypeWrapper<WritePayload>;
  ShippingEstimate: ResolverTypeWrapper<ShippingEstimate>;
  ShippingOption: ResolverTypeWrapper<ShippingOption>;
  ShippingSpeed: ShippingSpeed;
  StockStatus: StockStatus;
  String: ResolverTypeWrapper<Scalars['String']['output']>;
  UpdateCartLinePayload: ResolverTypeWrapper<WritePayload>;
  Viewer: ResolverTypeWrapper<ViewerValue>;
};

/** Mapping between all available schema types and the resolvers parents */
export type ResolversParentTypes = {
  AddFavoritePayload: WritePayload;
  AddToCartPayload: WritePayload;
  Boolean: Scalars['Boolean']['output'];
  Cart: CartRecord;
  CartItem: CartLine;
  Float: Scalars['Float']['output'];
  ID: Scalars['ID']['output'];
  Int: Scalars['Int']['output'];
  Inventory: InventoryRecord;
  Money: MoneyValue;
  Mutation: Record<PropertyKey, never>;
  Node: ResolversInterfaceTypes<ResolversParentTypes>['Node'];
  PageInfo: PageInfo;
  Product: CatalogProduct;
  ProductConnection: Omit<ProductConnection, 'edges' | 'nodes'> & { edges: Array<ResolversParentTypes['ProductEdge']>, nodes: Array<ResolversParentTypes['Product']> };
  ProductEdge: Omit<ProductEdge, 'node'> & { node: ResolversParentTypes['Product'] };
  Query: Record<PropertyKey, never>;
  Rating: Rating;
  RemoveFavoritePayload: WritePayload;
  RemoveFromCartPayload: WritePayload;
  ShippingEstimate: ShippingEstimate;
  ShippingOption: ShippingOption;
  String: Scalars['String']['output'];
  UpdateCartLinePayload: WritePayload;
  Viewer: ViewerValue;
};

export type FallbackDirectiveArgs = {
  default: Scalars['String']['input'];
};

export type FallbackDirectiveResolver<Result, Parent, ContextType = BallastContext, Args = FallbackDirectiveArgs> = DirectiveResolverFn<Result, Parent, ContextType, Args>;

export type RestDirectiveArgs = {
  batchKey?: Maybe<Scalars['String']['input']>;
  from?: Scalars['String']['input'];
  keyField?: Maybe<Scalars['String']['input']>;
  keyParam?: Maybe<Scalars['String']['input']>;
  match?: Maybe<Scalars['String']['input']>;
  path: Scalars['String']['input'];
  query?: Maybe<Scalars['String']['input']>;
  source: Scalars['String']['input'];
};

export type RestDirectiveResolver<Result, Parent, ContextType = BallastContext, Args = RestDirectiveArgs> = DirectiveResolverFn<Result, Parent, ContextType, Args>;

export type TimeoutDirectiveArgs = {
  ms: Scalars['Int']['input'];
};

export type TimeoutDirectiveResolver<Result, Parent, ContextType = BallastContext, Args = TimeoutDirectiveArgs> = DirectiveResolverFn<Result, Parent, ContextType, Args>;

export type AddFavoritePayloadResolvers<ContextType = BallastContext, ParentType extends ResolversParentTypes['AddFavoritePayload'] = ResolversParentTypes['AddFavoritePayload']> = {
  favorites?: Resolver<Maybe<Array<Maybe<ResolversTypes['Product']>>>, ParentType, ContextType>;
};

export type AddToCartPayloadResolvers<ContextType = BallastContext, ParentType extends ResolversParentTypes['AddToCartPayload'] = ResolversParentTypes['AddToCartPayload']> = {
  cart?: Resolver<Maybe<ResolversTypes['Cart']>, ParentType, ContextType>;
};

export type CartResolvers<ContextType = BallastContext, ParentType extends ResolversParentTypes['Cart'] = ResolversParentTypes['Cart']> = {
  items?: Resolver<Array<ResolversTypes['CartItem']>, ParentType, ContextType>;
  subtotal?: Resolver<Maybe<ResolversTypes['Money']>, ParentType, ContextType>;
  totalQuantity?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  userId?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
};

export type CartItemResolvers<ContextType = BallastContext, ParentType extends ResolversParentTypes['CartItem'] = ResolversParentTypes['CartItem']> = {
  product?: Resolver<Maybe<ResolversTypes['Product']>, ParentType, ContextType>;
  quantity?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
};

export type InventoryResolvers<ContextType = BallastContext, ParentType extends ResolversParentTypes['Inventory'] = ResolversParentTypes['Inventory']> = {
  available?: Resolver<Maybe<ResolversTypes['Int']>, ParentType, ContextType>;
  status?: Resolver<ResolversTypes['StockStatus'], ParentType, ContextType>;
};

export type MoneyResolvers<ContextType = BallastContext, ParentType extends ResolversParentTypes['Money'] = ResolversParentTypes['Money']> = {
  amount?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  currency?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  formatted?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
};

export type MutationResolvers<ContextType = BallastContext, ParentType extends ResolversParentTypes['Mutation'] = ResolversParentTypes['Mutation']> = {
  addFavorite?: Resolver<Maybe<ResolversTypes['AddFavoritePayload']>, ParentType, ContextType, RequireFields<MutationAddFavoriteArgs, 'productId' | 'userId'>>;
  addToCart?: Resolver<Maybe<ResolversTypes['AddToCartPayload']>, ParentType, ContextType, RequireFields<MutationAddToCartArgs, 'productId' | 'quantity' | 'userId'>>;
  removeFavorite?: Resolver<Maybe<ResolversTypes['RemoveFavoritePayload']>, ParentType, ContextType, RequireFields<MutationRemoveFavoriteArgs, 'productId' | 'userId'>>;
  removeFromCart?: Resolver<Maybe<ResolversTypes['RemoveFromCartPayload']>, ParentType, ContextType, RequireFields<MutationRemoveFromCartArgs, 'productId' | 'userId'>>;
  updateCartLine?: Resolver<Maybe<ResolversTypes['UpdateCartLinePayload']>, ParentType, ContextType, RequireFields<MutationUpdateCartLineArgs, 'productId' | 'quantity' | 'userId'>>;
};

export type NodeResolvers<ContextType = BallastContext, ParentType extends ResolversParentTypes['Node'] = ResolversParentTypes['Node']> = {
  __resolveType: TypeResolveFn<'Product', ParentType, ContextType>;
};

export type PageInfoResolvers<ContextType = BallastContext, ParentType extends ResolversParentTypes['PageInfo'] = ResolversParentTypes['PageInfo']> = {
  endCursor?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  hasNextPage?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  hasPreviousPage?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  startCursor?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
};

export type ProductResolvers<ContextType = BallastContext, ParentType extends ResolversParentTypes['Product'] = ResolversParentTypes['Product']> = {
  category?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  description?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  inventory?: Resolver<Maybe<ResolversTypes['Inventory']>, ParentType, ContextType>;
  name?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  price?: Resolver<Maybe<ResolversTypes['Money']>, ParentType, ContextType>;
  rating?: Resolver<Maybe<ResolversTypes['Rating']>, ParentType, ContextType>;
  shipping?: Resolver<Maybe<ResolversTypes['ShippingEstimate']>, ParentType, ContextType, RequireFields<ProductShippingArgs, 'country'>>;
  shippingOptions?: Resolver<Maybe<Array<ResolversTypes['ShippingOption']>>, ParentType, ContextType>;
  __isTypeOf?: IsTypeOfResolverFn<ParentType, ContextType>;
};

export type ProductConnectionResolvers<ContextType = BallastContext, ParentType extends ResolversParentTypes['ProductConnection'] = ResolversParentTypes['ProductConnection']> = {
  edges?: Resolver<Array<ResolversTypes['ProductEdge']>, ParentType, ContextType>;
  nodes?: Resolver<Array<ResolversTypes['Product']>, ParentType, ContextType>;
  pageInfo?: Resolver<ResolversTypes['PageInfo'], ParentType, ContextType>;
};

export type ProductEdgeResolvers<ContextType = BallastContext, ParentType extends ResolversParentTypes['ProductEdge'] = ResolversParentTypes['ProductEdge']> = {
  cursor?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  node?: Resolver<ResolversTypes['Product'], ParentType, ContextType>;
};

export type QueryResolvers<ContextType = BallastContext, ParentType extends ResolversParentTypes['Query'] = ResolversParentTypes['Query']> = {
  cart?: Resolver<Maybe<ResolversTypes['Cart']>, ParentType, ContextType, RequireFields<QueryCartArgs, 'userId'>>;
  favorites?: Resolver<Maybe<Array<Maybe<ResolversTypes['Product']>>>, ParentType, ContextType, RequireFields<QueryFavoritesArgs, 'userId'>>;
  node?: Resolver<Maybe<ResolversTypes['Node']>, ParentType, ContextType, RequireFields<QueryNodeArgs, 'id'>>;
  nodes?: Resolver<Array<Maybe<ResolversTypes['Node']>>, ParentType, ContextType, RequireFields<QueryNodesArgs, 'ids'>>;
  product?: Resolver<Maybe<ResolversTypes['Product']>, ParentType, ContextType, RequireFields<QueryProductArgs, 'id'>>;
  products?: Resolver<Maybe<ResolversTypes['ProductConnection']>, ParentType, ContextType, RequireFields<QueryProductsArgs, 'first'>>;
  viewer?: Resolver<Maybe<ResolversTypes['Viewer']>, ParentType, ContextType>;
};

export type RatingResolvers<ContextType = BallastContext, ParentType extends ResolversParentTypes['Rating'] = ResolversParentTypes['Rating']> = {
  average?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
  count?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
};

export type RemoveFavoritePayloadResolvers<ContextType = BallastContext, ParentType extends ResolversParentTypes['RemoveFavoritePayload'] = ResolversParentTypes['RemoveFavoritePayload']> = {
  favorites?: Resolver<Maybe<Array<Maybe<ResolversTypes['Product']>>>, ParentType, ContextType>;
};

export type RemoveFromCartPayloadResolvers<ContextType = BallastContext, ParentType extends ResolversParentTypes['RemoveFromCartPayload'] = ResolversParentTypes['RemoveFromCartPayload']> = {
  cart?: Resolver<Maybe<ResolversTypes['Cart']>, ParentType, ContextType>;
};

export type ShippingEstimateResolvers<ContextType = BallastContext, ParentType extends ResolversParentTypes['ShippingEstimate'] = ResolversParentTypes['ShippingEstimate']> = {
  carrier?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  costCents?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  days?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
};

export type ShippingOptionResolvers<ContextType = BallastContext, ParentType extends ResolversParentTypes['ShippingOption'] = ResolversParentTypes['ShippingOption']> = {
  costCents?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  days?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  speed?: Resolver<ResolversTypes['ShippingSpeed'], ParentType, ContextType>;
};

export type UpdateCartLinePayloadResolvers<ContextType = BallastContext, ParentType extends ResolversParentTypes['UpdateCartLinePayload'] = ResolversParentTypes['UpdateCartLinePayload']> = {
  cart?: Resolver<Maybe<ResolversTypes['Cart']>, ParentType, ContextType>;
};

export type ViewerResolvers<ContextType = BallastContext, ParentType extends ResolversParentTypes['Viewer'] = ResolversParentTypes['Viewer']> = {
  cart?: Resolver<Maybe<ResolversTypes['Cart']>, ParentType, ContextType>;
  favorites?: Resolver<Maybe<Array<Maybe<ResolversTypes['Product']>>>, ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
};

export type Resolvers<ContextType = BallastContext> = {
  AddFavoritePayload?: AddFavoritePayloadResolvers<ContextType>;
  AddToCartPayload?: AddToCartPayloadResolvers<ContextType>;
  Cart?: CartResolvers<ContextType>;
  CartItem?: CartItemResolvers<ContextType>;
  Inventory?: InventoryResolvers<ContextType>;
  Money?: MoneyResolvers<ContextType>;
  Mutation?: MutationResolvers<ContextType>;
  Node?: NodeResolvers<ContextType>;
  PageInfo?: PageInfoResolvers<ContextType>;
  Product?: ProductResolvers<ContextType>;
  ProductConnection?: ProductConnectionResolvers<ContextType>;
  ProductEdge?: ProductEdgeResolvers<ContextType>;
  Query?: QueryResolvers<ContextType>;
  Rating?: RatingResolvers<ContextType>;
  RemoveFavoritePayload?: RemoveFavoritePayloadResolvers<ContextType>;
  RemoveFromCartPayload?: RemoveFromCartPayloadResolvers<ContextType>;
  ShippingEstimate?: ShippingEstimateResolvers<ContextType>;
  ShippingOption?: ShippingOptionResolvers<ContextType>;
  UpdateCartLinePayload?: UpdateCartLinePayloadResolvers<ContextType>;
  Viewer?: ViewerResolvers<ContextType>;
};

export type DirectiveResolvers<ContextType = BallastContext> = {
  fallback?: FallbackDirectiveResolver<any, any, ContextType>;
  rest?: RestDirectiveResolver<any, any, ContextType>;
  timeout?: TimeoutDirectiveResolver<any, any, ContextType>;
};
