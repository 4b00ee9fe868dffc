package sandbox

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"

	"github.com/google/uuid"

	"github.com/finicity-go/connect-components/gen"
)

// partnerState is what one app key owns. Configurations are kept in
// creation order, so listing them is stable.
type partnerState struct {
	configs map[uuid.UUID]gen.Configuration
	order   []uuid.UUID
}

// partnerLocked returns the state of appKey, creating it when create is
// true; reads never create, so probing with random keys costs no memory.
// The caller holds s.mu.
func (s *Sandbox) partnerLocked(appKey string, create bool) *partnerState {
	p := s.byAppKey[appKey]
	if p == nil && create {
		p = &partnerState{configs: map[uuid.UUID]gen.Configuration{}}
		s.byAppKey[appKey] = p
	}
	return p
}

// ownsConfiguration reports whether appKey owns configuration id.
func (s *Sandbox) ownsConfiguration(appKey string, id uuid.UUID) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.partnerLocked(appKey, false)
	if p == nil {
		return false
	}
	_, ok := p.configs[id]
	return ok
}

func (s *Sandbox) createConfiguration(c *call) response {
	var req gen.ConfigurationParams
	if err := json.Unmarshal(c.body, &req); err != nil {
		return invalidField("body: not a JSON object").response()
	}
	cfg := gen.Configuration{
		ID:                        newID(),
		FilterAccounts:            req.FilterAccounts,
		AccountClassificationType: req.AccountClassificationType,
		AORequired:                req.AORequired,
	}
	s.mu.Lock()
	perAppKey, total := s.st.limits()
	if p := s.partnerLocked(c.appKey, false); p != nil && len(p.order) >= perAppKey {
		s.mu.Unlock()
		return limitReached(fmt.Sprintf("This app key already has %d configurations, the sandbox's limit per app key: delete some first.", perAppKey)).response()
	}
	if s.st.configurations >= total {
		s.mu.Unlock()
		return limitReached(fmt.Sprintf("The sandbox already stores %d configurations, its limit for all app keys together: delete some, or reset the sandbox.", total)).response()
	}
	p := s.partnerLocked(c.appKey, true)
	p.configs[cfg.ID] = cfg
	p.order = append(p.order, cfg.ID)
	s.st.configurations++
	s.mu.Unlock()
	s.changed()
	return response{status: http.StatusCreated, body: shown(cfg)}
}

// shownConfiguration is a configuration as the sandbox sends it: the
// generated type, with aoRequired always written. The spec gives it a
// default of false and the API's examples send it; the generated field
// omits false (optional fields are omitzero in Go), so the outer field,
// having the same JSON name, replaces it on the wire.
type shownConfiguration struct {
	gen.Configuration
	AORequired bool `json:"aoRequired"`
}

func shown(cfg gen.Configuration) shownConfiguration {
	return shownConfiguration{Configuration: cfg, AORequired: cfg.AORequired}
}

func (s *Sandbox) listConfigurations(c *call) response {
	s.mu.Lock()
	defer s.mu.Unlock()
	list := []shownConfiguration{} // never null: an empty list is []
	if p := s.partnerLocked(c.appKey, false); p != nil {
		for _, id := range p.order {
			list = append(list, shown(p.configs[id]))
		}
	}
	return response{status: http.StatusOK, body: list}
}

func (s *Sandbox) getConfiguration(c *call) response {
	id, err := uuid.Parse(c.params["configuration_id"])
	if err != nil {
		return configurationNotFound()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if p := s.partnerLocked(c.appKey, false); p != nil {
		if cfg, ok := p.configs[id]; ok {
			return response{status: http.StatusOK, body: shown(cfg)}
		}
	}
	return configurationNotFound()
}

func (s *Sandbox) deleteConfiguration(c *call) response {
	id, err := uuid.Parse(c.params["configuration_id"])
	if err != nil {
		return configurationNotFound()
	}
	if !s.deleteStored(c.appKey, id) {
		return configurationNotFound()
	}
	s.changed()
	return response{status: http.StatusNoContent}
}

// deleteStored removes configuration id of appKey, and the app key's
// entry with its last configuration, so that app keys made up by clients
// cost nothing once emptied. It reports whether there was one.
func (s *Sandbox) deleteStored(appKey string, id uuid.UUID) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.partnerLocked(appKey, false)
	if p == nil {
		return false
	}
	if _, ok := p.configs[id]; !ok {
		return false
	}
	delete(p.configs, id)
	p.order = slices.DeleteFunc(p.order, func(o uuid.UUID) bool { return o == id })
	if len(p.order) == 0 {
		delete(s.byAppKey, appKey)
	}
	s.st.configurations--
	return true
}

// configurationNotFound is the same answer for an id that never existed,
// was deleted, or belongs to another partner: telling them apart would
// leak other partners' ids.
func configurationNotFound() response {
	return notFound("No configuration with that id for this partner.").response()
}
