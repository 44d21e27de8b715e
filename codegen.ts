import type { CodegenConfig } from '@graphql-codegen/cli';

/** Typed resolvers from schema/ into src/generated/. Run `npm run codegen`; CI checks the output is current. */
const config: CodegenConfig = {
  schema: 'schema/*.graphql',
  generates: {
    'src/generated/resolvers-types.ts': {
      plugins: ['typescript', 'typescript-resolvers'],
      config: {
        useTypeImports: true,
        contextType: '../context.js#BallastContext',
        mappers: {
          Product: '../resolvers/models.js#CatalogProduct',
          Money: '../resolvers/models.js#MoneyValue',
          Inventory: '../resolvers/models.js#InventoryRecord',
          Cart: '../resolvers/models.js#CartRecord',
          CartItem: '../resolvers/models.js#CartLine',
          Viewer: '../resolvers/models.js#ViewerValue',
          AddToCartPayload: '../resolvers/models.js#WritePayload',
          UpdateCartLinePayload: '../resolvers/models.js#WritePayload',
          RemoveFromCartPayload: '../resolvers/models.js#WritePayload',
          AddFavoritePayload: '../resolvers/models.js#WritePayload',
          RemoveFavoritePayload: '../resolvers/models.js#WritePayload',
        },
        enumsAsTypes: true,
        scalars: { ID: 'string' },
      },
    },
  },
};

export default config;
