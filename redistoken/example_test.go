package redistoken_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"

	"github.com/finicity-go/connect-components/api"
	"github.com/finicity-go/connect-components/redistoken"
	"github.com/redis/go-redis/v9"
)

// Every replica of the service runs this: they share one token through
// Redis, one of them authenticates per token, and a rejected secret is
// tried once for the whole fleet.
func ExampleNew() {
	ctx := context.Background()
	appKey := os.Getenv("FINICITY_APP_KEY")
	rdb := redis.NewUniversalClient(&redis.UniversalOptions{Addrs: []string{"127.0.0.1:6379"}})
	defer rdb.Close()

	src, err := redistoken.New(rdb, redistoken.Config{
		AppKey:        api.NewSecret(appKey),
		PartnerID:     os.Getenv("FINICITY_PARTNER_ID"),
		PartnerSecret: api.NewSecret(os.Getenv("FINICITY_PARTNER_SECRET")),
	})
	if err != nil {
		log.Fatal(err) // a nil client or an empty field, named
	}
	c, err := api.NewClient(appKey, api.WithTokenSource(src))
	if err != nil {
		log.Fatal(err)
	}
	configs, err := c.Configurations.List(ctx)
	if errors.Is(err, api.ErrCredentialsRejected) {
		// This replica, or another one, was refused this secret: no
		// replica with it calls the API again until the record expires
		// or is cleared. Deploy the corrected secret.
		log.Fatal(err)
	}
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(configs), "configurations")
}

// An operator who knows the secret is good again (the partner account was
// unlocked) lets the fleet try it once more.
func ExampleClearRejection() {
	ctx := context.Background()
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379"})
	defer rdb.Close()
	cleared, err := redistoken.ClearRejection(ctx, rdb, redistoken.Config{
		AppKey:        api.NewSecret(os.Getenv("FINICITY_APP_KEY")),
		PartnerID:     os.Getenv("FINICITY_PARTNER_ID"),
		PartnerSecret: api.NewSecret(os.Getenv("FINICITY_PARTNER_SECRET")),
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("a rejection was recorded:", cleared)
}
