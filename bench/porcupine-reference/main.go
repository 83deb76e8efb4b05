// The reference for `npm run bench:checker`: checks the given files with Porcupine (Go), one process
// for the whole batch, and prints one line a file: "<verdict> <ms> <file>". The bench builds it in a
// temporary module (go build) and times the process from outside, start included.
// Formats: *.log is a Jepsen etcd log (register with cas), *.txt a Porcupine kv log.
package main

import (
	"bufio"
	"fmt"
	"hash/fnv"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/anishathalye/porcupine"
)

const nilValue = -1_000_000

type registerInput struct {
	kind     byte // 'r' read, 'w' write, 'c' cas
	value    int
	expected int
}

type registerOutput struct {
	unknown bool
	absent  bool
	value   int
	failed  bool
}

var registerModel = porcupine.Model{
	Init: func() interface{} { return nilValue },
	Step: func(state, input, output interface{}) (bool, interface{}) {
		current := state.(int)
		in := input.(registerInput)
		out := output.(registerOutput)
		switch in.kind {
		case 'r':
			legal := out.unknown || (out.absent && current == nilValue) || (!out.absent && current == out.value)
			return legal, current
		case 'w':
			return true, in.value
		default:
			matches := current == in.expected
			legal := out.unknown || matches != out.failed
			if matches {
				return legal, in.value
			}
			return legal, current
		}
	},
}

type kvInput struct {
	kind  byte // 'g' get, 'p' put, 'a' append
	key   string
	value string
}

// Events carry no key on their returns, so the partition by key follows each call's id.
func partitionKvEvents(history []porcupine.Event) [][]porcupine.Event {
	keyOf := map[int]string{}
	byKey := map[string][]porcupine.Event{}
	keys := []string{}
	for _, event := range history {
		if event.Kind == porcupine.CallEvent {
			keyOf[event.Id] = event.Value.(kvInput).key
		}
		key := keyOf[event.Id]
		if _, seen := byKey[key]; !seen {
			keys = append(keys, key)
		}
		byKey[key] = append(byKey[key], event)
	}
	sort.Strings(keys)
	groups := make([][]porcupine.Event, 0, len(keys))
	for _, key := range keys {
		groups = append(groups, byKey[key])
	}
	return groups
}

var kvModel = porcupine.Model{
	PartitionEvent: partitionKvEvents,
	Partition: func(history []porcupine.Operation) [][]porcupine.Operation {
		byKey := map[string][]porcupine.Operation{}
		for _, operation := range history {
			key := operation.Input.(kvInput).key
			byKey[key] = append(byKey[key], operation)
		}
		keys := make([]string, 0, len(byKey))
		for key := range byKey {
			keys = append(keys, key)
		}
		sort.Strings(keys)
		groups := make([][]porcupine.Operation, 0, len(keys))
		for _, key := range keys {
			groups = append(groups, byKey[key])
		}
		return groups
	},
	Init: func() interface{} { return "" },
	Step: func(state, input, output interface{}) (bool, interface{}) {
		current := state.(string)
		in := input.(kvInput)
		switch in.kind {
		case 'g':
			return output.(string) == current, current
		case 'p':
			return true, in.value
		default:
			return true, current + in.value
		}
	},
	Hash: func(state interface{}) uint64 {
		hash := fnv.New64a()
		hash.Write([]byte(state.(string)))
		return hash.Sum64()
	},
}

var etcdLine = regexp.MustCompile(`^INFO\s+jepsen\.util\s+-\s+(\d+)\s+:(\w+)\s+:(\w+)\s*(.*)$`)
var casValue = regexp.MustCompile(`^\[(\d+)\s+(\d+)\]$`)

// pending pairs each process's open call with its return; calls left open return unknown at the end.
type pending struct {
	events []porcupine.Event
	open   map[int]int
	next   int
}

func (p *pending) call(process int, input interface{}) {
	p.events = append(p.events, porcupine.Event{ClientId: process, Kind: porcupine.CallEvent, Value: input, Id: p.next})
	p.open[process] = p.next
	p.next++
}

func (p *pending) ret(process int, output interface{}) {
	id, found := p.open[process]
	if !found {
		return
	}
	delete(p.open, process)
	p.events = append(p.events, porcupine.Event{ClientId: process, Kind: porcupine.ReturnEvent, Value: output, Id: id})
}

func (p *pending) close(unknown interface{}) []porcupine.Event {
	processes := make([]int, 0, len(p.open))
	for process := range p.open {
		processes = append(processes, process)
	}
	sort.Ints(processes)
	for _, process := range processes {
		p.ret(process, unknown)
	}
	return p.events
}

func readNumber(text string) (int, bool) {
	if text == "nil" {
		return nilValue, true
	}
	value, err := strconv.Atoi(text)
	return value, err == nil
}

func readEtcd(lines []string) []porcupine.Event {
	p := &pending{open: map[int]int{}}
	for _, line := range lines {
		match := etcdLine.FindStringSubmatch(strings.TrimSpace(line))
		if match == nil {
			continue
		}
		process, _ := strconv.Atoi(match[1])
		kind, f, value := match[2], match[3], strings.TrimSpace(match[4])
		switch {
		case kind == "invoke" && f == "read":
			p.call(process, registerInput{kind: 'r'})
		case kind == "invoke" && f == "write":
			number, _ := readNumber(value)
			p.call(process, registerInput{kind: 'w', value: number})
		case kind == "invoke" && f == "cas":
			parts := casValue.FindStringSubmatch(value)
			expected, _ := strconv.Atoi(parts[1])
			next, _ := strconv.Atoi(parts[2])
			p.call(process, registerInput{kind: 'c', expected: expected, value: next})
		case kind == "ok" && f == "read":
			number, _ := readNumber(value)
			p.ret(process, registerOutput{absent: value == "nil", value: number})
		case kind == "ok":
			p.ret(process, registerOutput{})
		case kind == "fail" && f == "cas":
			p.ret(process, registerOutput{failed: true})
		case kind == "fail" && f == "read":
			p.ret(process, registerOutput{unknown: true})
		}
		// An :info stays open: it may take effect at any later time.
	}
	return p.close(registerOutput{unknown: true})
}

var kvLine = regexp.MustCompile(`^\{:process (\d+), :type :(\w+), :f :(\w+), :key "(.*?)", :value (nil|"(.*)")\}$`)

func readKv(lines []string) []porcupine.Event {
	p := &pending{open: map[int]int{}}
	for _, line := range lines {
		match := kvLine.FindStringSubmatch(strings.TrimSpace(line))
		if match == nil {
			continue
		}
		process, _ := strconv.Atoi(match[1])
		kind, f, key, value := match[2], match[3], match[4], match[6]
		if kind == "invoke" {
			p.call(process, kvInput{kind: f[0], key: key, value: value})
		} else if kind == "ok" {
			p.ret(process, value)
		}
	}
	return p.close("")
}

func main() {
	started := time.Now()
	for _, file := range os.Args[1:] {
		opened, err := os.Open(file)
		if err != nil {
			fmt.Printf("error 0 %s\n", file)
			continue
		}
		var lines []string
		scanner := bufio.NewScanner(opened)
		scanner.Buffer(make([]byte, 1<<20), 1<<26)
		for scanner.Scan() {
			lines = append(lines, scanner.Text())
		}
		opened.Close()
		begin := time.Now()
		var result porcupine.CheckResult
		if strings.HasSuffix(file, ".txt") {
			result = porcupine.CheckEventsTimeout(kvModel, readKv(lines), 0)
		} else {
			result = porcupine.CheckEventsTimeout(registerModel, readEtcd(lines), 0)
		}
		verdict := map[porcupine.CheckResult]string{porcupine.Ok: "ok", porcupine.Illegal: "illegal", porcupine.Unknown: "unknown"}[result]
		fmt.Printf("%s %.3f %s\n", verdict, float64(time.Since(begin).Microseconds())/1000, file)
	}
	fmt.Fprintf(os.Stderr, "total %.1f ms\n", float64(time.Since(started).Microseconds())/1000)
}
