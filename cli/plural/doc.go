// Package plural writes counts in English for the commands' messages:
// "1 job", "3 jobs", "0 calls". It is a leaf: any package under cli/ may
// use it.
package plural
