/**
 * Test providers for auth.test.ts: a custom JWT issuer whose JWKS (a data: URL, as Convex accepts)
 * holds two keys with kids; their private halves are in authFixtureKeys.ts.
 */
const jwks = {
  keys: [
    {
      kty: "RSA",
      n: "wP1KuwVHTyWe0REN91Tf-0cl_HJWFhhS-sMRCIVjWTT3n_WpyVJIXPMWdzRTL4uzlPjyj42Y8_LAo_GU6f_TGrogpFnqlAKyf-1svaaWFwnC3pDlL9Ink964_S_fHTUzcc6R60L5kZ2eQG-4yTVwWJ88TPZhU32CyTCkdi0ztlxyoT0qv3I7Kvyr2g89_2-kPfw6hBIO7NC3GALmIhLCy0iQhPP1Sna7BTeZLDKCSQVIsJ9j83EbNWxEPp4stMecQBKfllVb-xuTXMqabQnxDKEUEtlM2ZvKpMnFf5m1gilBsEBhJuiDmhYyNzQbzUYRF8dcRl_ZKvvz641B1Y8R9Q",
      e: "AQAB",
      kid: "key-1",
      alg: "RS256",
      use: "sig",
    },
    {
      kty: "RSA",
      n: "tgrLKfO6KStcpX2jrpU4JUwq0Nvi7u8h-bCT9qA-O7ymPInmxSHr65i79_0ZccJbNNPZvvXZ8dc-BqcIWMoS-7tsAPkE1s_mVQ-Mror4O2eZJIsIolRNAPUkRzXO_dyzOVGQ_W7Rggx_x4wTCiOU4KC0Mie0cyasgIRGN0h-X3tOlXqsWat7itugi5u_nxZSh8GB5bDsUNv38wbE11jxc6MxgQ2uQtERdWCIF-b6IlOeIQfxnYWJI2bTRoRkND4mXpXkVi8yvJFBhS0gSduBrqjvtQkWzcgMosqrD8SbFWm_4wGKNNoP1AsWM6TE7WfpHYhAK6A1qeelABKhgdqMGw",
      e: "AQAB",
      kid: "key-2",
      alg: "RS256",
      use: "sig",
    },
  ],
};

export default {
  providers: [
    {
      type: "customJwt",
      issuer: "https://issuer.test",
      applicationID: "fixture-app",
      algorithm: "RS256",
      jwks: `data:application/json;base64,${btoa(JSON.stringify(jwks))}`,
    },
  ],
};
